"""Bulk actions from a queue page: each case through its own service, failures reported per case."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from civitas.accounts.roles import Role
from civitas.audit.models import AuditEvent
from civitas.cases.models import Case
from civitas.cases.services import case_bulk_assign, case_bulk_transition
from civitas.cases.services.bulk import MAX_BULK
from civitas.cases.tests.test_queues import make_cases
from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.console.tests.conftest import make_staff
from civitas.core.errors import ValidationError

pytestmark = pytest.mark.django_db
BULK = reverse("console:queue-bulk", args=["all-open"])


@pytest.fixture
def foreign_case(other_department):
    group = ServiceGroup.objects.create(code="parks", name="Parks")
    foreign_type = ServiceType.objects.create(code="litter", name="Litter", group=group, department=other_department)
    return make_cases(1, service_type=foreign_type)[0]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_bulk_assign_audits_each_case_and_returns_to_the_queue(client, supervisor, caseworker, team, service_type):
    cases = make_cases(3, service_type=service_type)
    client.force_login(supervisor)
    before = AuditEvent.objects.filter(action="service:case:assign").count()
    response = client.post(
        BULK,
        {
            "cases": [c.reference for c in cases],
            "action": "assign",
            "team": team.pk,
            "assignee": caseworker.pk,
            "params": "priority=high&cursor=abc",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:queue", args=["all-open"]) + "?priority=high"
    assert messages_of(response) == ["3 done, 0 failed"]
    assert set(Case.objects.values_list("assignee_id", flat=True)) == {caseworker.pk}
    assert AuditEvent.objects.filter(action="service:case:assign").count() == before + 3


def test_bulk_status_reports_each_failure_and_does_the_rest(client, supervisor, service_type, foreign_case):
    new = make_cases(2, service_type=service_type)
    closed = make_cases(1, service_type=service_type, status="closed")[0]
    client.force_login(supervisor)
    refs = [c.reference for c in new] + [closed.reference, foreign_case.reference, "SR-0000-000000"]
    response = client.post(BULK, {"cases": refs, "action": "status", "status": "in_progress"})
    (message,) = messages_of(response)
    assert message.startswith("2 done, 3 failed: ")
    assert f"{closed.reference} ({closed.reference} cannot go from Closed to In progress" in message
    assert f"{foreign_case.reference} (not found)" in message
    assert "SR-0000-000000 (not found)" in message
    assert set(Case.objects.filter(pk__in=[c.pk for c in new]).values_list("status", flat=True)) == {"in_progress"}
    foreign_case.refresh_from_db()
    assert foreign_case.status == "new"


def test_bulk_tag_with_select_all_on_page_works_without_javascript(client, caseworker, service_type):
    cases = make_cases(3, service_type=service_type)
    client.force_login(caseworker)
    response = client.post(
        BULK,
        {"select_all": "1", "page_cases": [c.reference for c in cases], "action": "tag", "tag": "Council Member"},
    )
    assert messages_of(response) == ["3 done, 0 failed"]
    for case in cases:
        assert list(case.tags.values_list("name", flat=True)) == ["council-member"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"action": "tag", "tag": "ok"}, "Select at least one case."),
        ({"action": "tag", "tag": "<b>bad tag!</b>", "cases": ["x"]}, "is not a valid tag"),
        ({"action": "status", "status": "", "cases": ["x"]}, "Choose a status."),
        ({"action": "assign", "cases": ["x"]}, "Choose a team or a person"),
        ({"action": "explode", "cases": ["x"]}, "Action:"),
        ({"action": "assign", "team": "abc", "cases": ["x"]}, "Team:"),
    ],
)
def test_bad_bulk_input_is_a_message_not_a_500(client, caseworker, data, expected):
    client.force_login(caseworker)
    response = client.post(BULK, data)
    assert response.status_code == 302
    (message,) = messages_of(response)
    assert expected in message


def test_bulk_assign_to_a_person_outside_the_department_fails_per_case(supervisor, service_type, department):
    outsider = make_staff("outsider@example.org", Role.CASEWORKER, None)
    outsider.memberships.all().delete()
    cases = make_cases(2, service_type=service_type)
    result = case_bulk_assign(actor=supervisor, references=[c.reference for c in cases], assignee_id=outsider.pk)
    assert result.done == [] and len(result.failed) == 2
    assert "does not work cases in Public Works" in result.failed[0][1]


def test_selection_is_capped(supervisor):
    with pytest.raises(ValidationError) as error:
        case_bulk_transition(actor=supervisor, references=[f"SR-{n}" for n in range(MAX_BULK + 1)], to_status="open")
    assert error.value.field == "cases"


def test_bulk_on_unknown_queue_is_404_and_get_is_refused(client, caseworker):
    client.force_login(caseworker)
    assert client.post(reverse("console:queue-bulk", args=["nope"]), {"action": "tag"}).status_code == 404
    assert client.get(BULK).status_code == 405
