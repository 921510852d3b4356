"""Queue pages: queues and their navigation, rows, filters with errors, pages, fixed query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civitas.accounts.roles import Role
from civitas.cases.models import SavedView, Tag
from civitas.cases.tests.test_queues import make_cases
from civitas.console.tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def url(queue: str, query: str = "") -> str:
    return reverse("console:queue", args=[queue]) + (f"?{query}" if query else "")


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


@pytest.mark.parametrize(
    "queue", ["mine", "team", "department", "unassigned", "due-soon", "overdue", "recent", "all-open"]
)
def test_every_queue_renders_with_current_tab(signed_in, queue):
    response = signed_in.get(url(queue))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f'href="{url(queue)}" class="usa-current" aria-current="page"' in html


def test_unknown_queue_is_404(signed_in):
    assert signed_in.get(url("everything")).status_code == 404


def test_row_shows_case_details_and_escapes_text(signed_in, caseworker, team, service_type, other_department):
    now = timezone.now()
    (case,) = make_cases(
        1,
        service_type=service_type,
        title="<script>alert(1)</script>",
        area="North <b>End</b>",
        assignee=caseworker,
        team=team,
        priority="high",
        resolution_due_at=now - timedelta(days=3),
    )
    case.tags.add(Tag.objects.create(name="graffiti"))
    html = signed_in.get(url("mine")).content.decode()
    assert f'href="{reverse("console:case", args=[case.reference])}"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "North &lt;b&gt;End&lt;/b&gt;" in html
    assert "Overdue by 3 days" in html
    assert "High" in html and "Streets" in html and "graffiti" in html and "Pothole" in html
    assert f'<label for="select-{case.reference}" class="usa-sr-only">Select {case.reference}</label>' in html
    assert "usa-table--stacked" in html


def test_other_departments_cases_are_not_listed(signed_in, other_department):
    from civitas.catalog.models import ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="parks", name="Parks")
    foreign_type = ServiceType.objects.create(code="litter", name="Litter", group=group, department=other_department)
    (foreign,) = make_cases(1, service_type=foreign_type)
    assert foreign.reference not in signed_in.get(url("all-open")).content.decode()


def test_filters_narrow_the_list(signed_in, service_type, team):
    urgent = make_cases(1, service_type=service_type, priority="urgent", team=team)[0]
    normal = make_cases(1, service_type=service_type)[0]
    html = signed_in.get(url("all-open", f"priority=urgent&team={team.pk}")).content.decode()
    assert urgent.reference in html and normal.reference not in html


def test_invalid_filters_are_form_errors_not_500(signed_in, service_type):
    (case,) = make_cases(1, service_type=service_type)
    response = signed_in.get(
        url("all-open", "status=bogus&team=999999&created_from=yesterday&due_from=2026-05-02&due_to=2026-05-01&tag=<b>")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters could not be used" in html
    for label in ("Status:", "Team:", "Created from:", "Due to:", "Tag:"):
        assert label in html
    assert "&lt;b&gt;" in html
    assert case.reference in html  # the list ignores the bad filters


def test_damaged_cursor_shows_a_message_and_the_first_page(signed_in, service_type):
    (case,) = make_cases(1, service_type=service_type)
    response = signed_in.get(url("all-open", "cursor=garbage"))
    assert response.status_code == 200
    assert "This page link is damaged" in response.content.decode()
    assert case.reference in response.content.decode()


def test_pages_link_next_previous_and_first(signed_in, service_type):
    now = timezone.now()
    for hour in range(60):
        make_cases(1, service_type=service_type, resolution_due_at=now + timedelta(hours=hour + 1))
    first = signed_in.get(url("all-open", "sort=due"))
    page = first.context["page"]
    assert len(page.cases) == 50 and page.next_cursor and page.is_first
    assert "50+ cases on this page" in first.content.decode()
    second = signed_in.get(url("all-open", f"sort=due&cursor={page.next_cursor}"))
    html = second.content.decode()
    assert len(second.context["page"].cases) == 10
    assert "Previous page" in html and "First page" in html and "Next page" not in html
    refs_first = {c.reference for c in page.cases}
    assert refs_first.isdisjoint(c.reference for c in second.context["page"].cases)


def _queue_queries(client, django_assert_max_num_queries, query: str = "") -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("all-open", query))
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "sort=priority", "tag=graffiti&sort=newest"])
def test_a_queue_page_runs_a_fixed_number_of_queries(
    signed_in, service_type, team, caseworker, query, django_assert_max_num_queries
):
    graffiti = Tag.objects.create(name="graffiti")
    SavedView.objects.create(owner=caseworker, name="Mine", queue="mine")

    def add(count):
        for case in make_cases(count, service_type=service_type, team=team, assignee=caseworker):
            case.tags.add(graffiti)

    add(5)
    small = _queue_queries(signed_in, django_assert_max_num_queries, query)
    add(55)
    with django_assert_max_num_queries(small):
        response = signed_in.get(url("all-open", query))
    assert len(response.context["page"].cases) == 50
    assert small <= 12


def test_htmx_request_gets_the_results_fragment(signed_in, service_type):
    (case,) = make_cases(1, service_type=service_type)
    response = signed_in.get(url("all-open"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert case.reference in html
    assert 'id="queue-results"' in html and "<h1" not in html


def test_auditor_sees_queues_but_not_workload(client, department):
    auditor = make_staff("auditor@example.org", Role.AUDITOR, department)
    client.force_login(auditor)
    assert client.get(url("all-open")).status_code == 200
    assert client.get(reverse("console:supervisor")).status_code == 403
