"""Supervisor workload: counts per team, person and service type, linked to the matching queues."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civitas.cases.tests.test_queues import make_cases

pytestmark = pytest.mark.django_db
WORKLOAD = reverse("console:supervisor")


def test_supervisor_sees_counts_with_links(client, supervisor, caseworker, team, service_type):
    now = timezone.now()
    make_cases(2, service_type=service_type, team=team, assignee=caseworker, resolution_due_at=now - timedelta(hours=1))
    make_cases(1, service_type=service_type, team=team, resolution_due_at=now + timedelta(hours=1))
    client.force_login(supervisor)
    response = client.get(WORKLOAD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    queue = reverse("console:queue", args=["all-open"])
    overdue = reverse("console:queue", args=["overdue"])
    soon = reverse("console:queue", args=["due-soon"])
    assert f'href="{queue}?team={team.pk}">3</a>' in html
    assert f'href="{overdue}?team={team.pk}">2</a>' in html
    assert f'href="{soon}?team={team.pk}">1</a>' in html
    assert f'href="{overdue}?assignee={caseworker.pk}">2</a>' in html
    assert f'href="{queue}?service_type={service_type.pk}">3</a>' in html
    # The linked queue agrees with the number.
    linked = client.get(f"{overdue}?team={team.pk}")
    assert len(linked.context["page"].cases) == 2


def test_caseworker_may_not_see_workload(client, caseworker):
    client.force_login(caseworker)
    assert client.get(WORKLOAD).status_code == 403


def test_workload_runs_a_fixed_number_of_queries(client, supervisor, team, service_type, django_assert_max_num_queries):
    make_cases(3, service_type=service_type, team=team)
    client.force_login(supervisor)
    with django_assert_max_num_queries(8):
        client.get(WORKLOAD)
    make_cases(40, service_type=service_type)
    with django_assert_max_num_queries(8):
        assert client.get(WORKLOAD).status_code == 200


def test_supervisor_sees_resident_satisfaction_of_their_departments(client, supervisor, service_type, department):
    from civitas.cases.services import case_create, case_transition
    from civitas.cases.services.satisfaction import satisfaction_record

    for fixed, rating in ((True, 5), (False, 2)):
        case = case_create(actor=supervisor, service_type=service_type, channel="phone")
        case = case_transition(actor=supervisor, case=case, to_status="resolved")
        satisfaction_record(case=case, fixed=fixed, rating=rating)
    client.force_login(supervisor)
    html = client.get(WORKLOAD).content.decode()
    assert "Resident satisfaction" in html
    assert '<td data-label="Fixed" class="text-right">50%</td>' in html
    assert '<td data-label="Mean rating" class="text-right">3.5</td>' in html


def test_supervisor_without_answers_sees_none_yet(client, supervisor):
    client.force_login(supervisor)
    assert "No answers yet." in client.get(WORKLOAD).content.decode()
