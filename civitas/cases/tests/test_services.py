"""The case services: create, update, assign, transition, notes, links, merge, reopen."""

from __future__ import annotations

import re

import pytest
from django_tasks_db.models import DBTaskResult

from civitas.audit.models import AuditEvent
from civitas.audit.verify import verify_audit
from civitas.cases.models import Case, CaseFollower, CaseLink, EntryKind, TimelineEntry
from civitas.cases.services import (
    case_add_note,
    case_assign,
    case_create,
    case_follow,
    case_link,
    case_merge,
    case_reopen,
    case_transition,
    case_update,
)
from civitas.cases.states import OPEN311_STATUS, TRANSITIONS, CaseStatus, can_transition
from civitas.core.errors import InvalidTransition, NotFound, PermissionDenied, StaleVersion, ValidationError
from civitas.people.models import Person

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        TimelineEntry.objects.count(),
        AuditEvent.objects.count(),
        DBTaskResult.objects.count(),
    )


def test_create_sets_reference_token_routing_and_due_times(make_case, team, person):
    case = make_case(requester=person)
    assert re.fullmatch(r"SR-\d{4}-\d{6}", case.reference)
    assert len(case.tracking_token) >= 32
    assert case.department == case.service_type.department
    assert case.team == team
    assert case.status == CaseStatus.NEW
    assert case.attributes == {"pole": "P-1001"}
    assert (case.resolution_due_at - case.created_at).total_seconds() == 72 * 3600
    assert case.timeline.get().kind == EntryKind.SYSTEM
    event = AuditEvent.objects.get(action="service:case:create")
    assert event.object_id == str(case.pk) and event.person_id == person.pk
    tasks = list(DBTaskResult.objects.all())  # one per handler of case.created (rollups, search index)
    assert tasks and all(task.args_kwargs["kwargs"]["payload"] == {"case_id": case.pk} for task in tasks)
    assert "light outside" not in event.payload  # resident text never enters the audit chain


def test_anonymous_public_case(service_type):
    case = case_create(actor=None, service_type="streetlight", channel="web", attributes={"pole": "7"})
    assert case.requester is None and case.channel == "web"


def test_public_cannot_use_staff_channels(service_type):
    with pytest.raises(ValidationError) as exc:
        case_create(actor=None, service_type=service_type, channel="phone", attributes={"pole": "7"})
    assert exc.value.field == "channel"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service_type": "no-such-type"}, "service_type"),
        ({"attributes": {}}, "attribute[pole]"),
        ({"attributes": {"pole": "1", "lamps": "dozens"}}, "attribute[lamps]"),
        ({"attributes": {"pole": "1", "colour": "red"}}, "attribute[colour]"),
        ({"lat": 95, "long": 0}, "lat"),
        ({"lat": 1, "long": None}, "long"),
        ({"lat": "north", "long": "west"}, "lat"),
        ({"description": "x" * 4001}, "description"),
        ({"priority": "whenever"}, "priority"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(make_case, overrides, field):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        make_case(**overrides)
    assert exc.value.field == field, exc.value.message
    assert _counts() == before


def test_staff_need_create_permission_in_the_department(make_staff, other_department, service_type):
    stranger = make_staff("caseworker", other_department)
    with pytest.raises(PermissionDenied):
        case_create(actor=stranger, service_type=service_type, channel="phone", attributes={"pole": "1"})


def test_update_with_optimistic_locking(make_case, caseworker):
    case = make_case()
    case_update(actor=caseworker, case=case, version=1, description="Two lights out", priority="high")
    case.refresh_from_db()
    assert (case.version, case.priority) == (2, "high")
    with pytest.raises(StaleVersion) as exc:
        case_update(actor=caseworker, case=case, version=1, description="Overwrite!")
    assert exc.value.current_version == 2
    assert "changed by someone else" in exc.value.message
    case.refresh_from_db()
    assert case.description == "Two lights out"
    event = AuditEvent.objects.get(action="service:case:update")
    assert event.changes["priority"] == {"before": "normal", "after": "high"}
    assert event.changes["description"] == {"before": "<redacted>", "after": "<changed>"}


def test_update_refuses_unknown_fields_and_bad_attributes(make_case, caseworker):
    case = make_case()
    with pytest.raises(ValidationError):
        case_update(actor=caseworker, case=case, version=1, status="closed")
    with pytest.raises(ValidationError) as exc:
        case_update(actor=caseworker, case=case, version=1, attributes={"pole": ""})
    assert exc.value.field == "attribute[pole]"
    case.refresh_from_db()
    assert case.version == 1


def test_recategorise_into_another_department(make_case, make_staff, other_service_type):
    agent = make_staff("agent")  # organisation-wide
    case = make_case(actor=agent)
    case_update(actor=agent, case=case, version=1, service_type=other_service_type.code)
    case.refresh_from_db()
    assert case.department == other_service_type.department
    assert case.team is None and case.assignee is None


def test_assign_within_department_only(make_case, caseworker, supervisor, team, make_staff, other_department):
    case = make_case()
    case_assign(actor=supervisor, case=case, team=team, assignee=caseworker)
    case.refresh_from_db()
    assert case.assignee == caseworker
    assert case.timeline.filter(kind=EntryKind.ASSIGNMENT).exists()
    outsider = make_staff("caseworker", other_department)
    with pytest.raises(ValidationError) as exc:
        case_assign(actor=supervisor, case=case, assignee=outsider)
    assert exc.value.field == "assignee"


def test_transition_table_and_open311_mapping(make_case, caseworker):
    case = make_case()
    case_transition(actor=caseworker, case=case, to_status="in_progress")
    case_transition(actor=caseworker, case=case, to_status="waiting", note="Which pole?")
    case_transition(actor=caseworker, case=case, to_status="in_progress")
    case_transition(actor=caseworker, case=case, to_status="resolved", note="Replaced the lamp.")
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_at and case.first_response_at
    assert OPEN311_STATUS[case.status] == "closed"
    with pytest.raises(InvalidTransition) as exc:
        case_transition(actor=caseworker, case=case, to_status="in_progress")
    assert "cannot go from Resolved to In progress" in exc.value.message
    case_transition(actor=caseworker, case=case, to_status="closed")
    assert TRANSITIONS["closed"] == frozenset()


def test_every_status_maps_to_open311():
    assert set(OPEN311_STATUS) == set(CaseStatus.values)
    assert {OPEN311_STATUS[s] for s in ("new", "open", "in_progress", "waiting")} == {"open"}
    assert not can_transition("new", "waiting")


def test_stale_transition(make_case, caseworker):
    case = make_case()
    with pytest.raises(StaleVersion):
        case_transition(actor=caseworker, case=case, to_status="open", version=99)


def test_reopen_needs_a_reason(make_case, caseworker):
    case = make_case()
    case_transition(actor=caseworker, case=case, to_status="resolved")
    with pytest.raises(ValidationError) as exc:
        case_reopen(actor=caseworker, case=case, reason="  ")
    assert exc.value.field == "reason"
    case_reopen(actor=caseworker, case=case, reason="The light went out again.")
    case.refresh_from_db()
    assert case.status == "open" and case.resolved_at is None
    with pytest.raises(InvalidTransition):
        case_reopen(actor=caseworker, case=case, reason="again")


def test_notes_public_and_internal(make_case, caseworker):
    case = make_case()
    note = case_add_note(actor=caseworker, case=case, body="Crew checked the wiring.", public=False)
    assert note.kind == EntryKind.INTERNAL_NOTE and not note.is_public
    case.refresh_from_db()
    assert case.first_response_at is None
    update = case_add_note(actor=caseworker, case=case, body="We are on it.", public=True)
    assert update.is_public
    case.refresh_from_db()
    assert case.first_response_at == update.created_at
    with pytest.raises(ValidationError):
        case_add_note(actor=caseworker, case=case, body="", public=True)


def test_other_departments_cannot_see_or_touch(make_case, make_staff, other_department):
    case = make_case()
    outsider = make_staff("supervisor", other_department)
    with pytest.raises(NotFound):
        case_add_note(actor=outsider, case=case, body="hi", public=False)
    auditor = make_staff("auditor")
    with pytest.raises(PermissionDenied):
        case_transition(actor=auditor, case=case, to_status="open")


def test_link_and_merge(make_case, caseworker, supervisor, person):
    neighbour = Person.objects.create(given_name="Bo")
    original = make_case(requester=person)
    duplicate = make_case(requester=neighbour)
    link = case_link(actor=caseworker, case=original, other=duplicate)
    assert link.kind == "related"
    with pytest.raises(ValidationError):
        case_link(actor=caseworker, case=original, other=original)
    with pytest.raises(PermissionDenied):
        case_merge(actor=caseworker, source=duplicate, target=original)
    case_merge(actor=supervisor, source=duplicate, target=original)
    duplicate.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.merged_into == original
    assert CaseFollower.objects.filter(case=original, person=neighbour).exists()
    assert CaseLink.objects.filter(from_case=duplicate, to_case=original, kind="duplicate_of").exists()
    with pytest.raises(ValidationError):
        case_merge(actor=supervisor, source=duplicate, target=original)
    with pytest.raises(InvalidTransition):
        case_reopen(actor=supervisor, case=duplicate, reason="no")


def test_follow_me_too(make_case, person):
    case = make_case()
    assert case_follow(actor=None, case=case, person=person) is True
    assert case_follow(actor=None, case=case, person=person) is False


def test_audit_chain_intact_after_a_day_of_work(make_case, caseworker, supervisor, team):
    for _ in range(3):
        case = make_case()
        case_assign(actor=supervisor, case=case, team=team, assignee=caseworker)
        case_transition(actor=caseworker, case=case, to_status="in_progress")
        case_add_note(actor=caseworker, case=case, body="done", public=True)
        case_transition(actor=caseworker, case=case, to_status="resolved")
    assert verify_audit().ok


def test_inactive_service_type_is_refused_with_a_reason(make_case, service_type):
    service_type.is_active = False
    service_type.save()
    with pytest.raises(ValidationError, match="not taking requests") as exc:
        make_case(service_type="streetlight")
    assert exc.value.field == "service_type"


def test_catalogue_changes_reach_intake_at_once(make_case, service_type, department):
    """The per-process definition cache never serves a definition older than the last change."""
    make_case()  # fills the cache
    from civitas.catalog.models import ServiceAttribute

    ServiceAttribute.objects.create(
        service_type=service_type, code="photo_taken", datatype="string", required=True, description="Photo?"
    )
    with pytest.raises(ValidationError) as exc:
        make_case()
    assert exc.value.field == "attribute[photo_taken]"
    service_type.is_active = False
    service_type.save()
    with pytest.raises(ValidationError, match="not taking requests"):
        make_case(attributes={"pole": "1", "photo_taken": "yes"})
