"""Changing a case: update, assign, transition, reopen, notes and followers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from civitas.accounts.models import Membership, Team, User
from civitas.accounts.permissions import CASE_WORKERS, has_perm
from civitas.audit.services import audit_record
from civitas.cases.models import Case, CaseFollower, EntryKind, TimelineEntry
from civitas.cases.services._common import (
    add_entry,
    audit_changes,
    lock_case,
    require_case,
    save_case,
    snapshot,
)
from civitas.cases.services.create import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    clean_choice,
    clean_location,
    clean_text,
    resolve_service_type,
)
from civitas.cases.states import REOPENABLE, CaseStatus, allowed_targets, can_transition
from civitas.catalog.selectors import attributes_for
from civitas.catalog.validation import clean_attribute_values
from civitas.core import events
from civitas.core.choices import Priority
from civitas.core.errors import InvalidTransition, PermissionDenied, ValidationError
from civitas.people.models import ConsentMethod, ConsentPurpose, Person
from civitas.people.selectors import consent_given
from civitas.people.services import consent_record, person_find_or_create_by_contact

UPDATABLE = frozenset(
    {"title", "description", "priority", "lat", "long", "address", "area", "attributes", "service_type"}
)
MAX_NOTE = 10_000


def case_update(*, actor: Any, case: Case, version: int, **changes: Any) -> Case:
    """Edit case details. `version` must be the version the editor saw (optimistic locking)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0]
        )
    require_case(actor, "case.update", case)
    with transaction.atomic():
        case = lock_case(case, version=version)
        before = snapshot(case)
        fields = _apply_changes(actor, case, changes)
        if not fields:
            return case
        save_case(case, fields)
        audit_record(actor=actor, action="service:case:update", obj=case, changes=audit_changes(before, snapshot(case)))
        events.publish("case.updated", case_id=case.pk)
    return case


def _apply_changes(actor: Any, case: Case, changes: dict[str, Any]) -> list[str]:
    fields: list[str] = []
    if "service_type" in changes:
        fields += _change_service_type(actor, case, changes["service_type"])
    for name, limit in (("title", MAX_TITLE), ("description", MAX_DESCRIPTION), ("address", 300), ("area", 120)):
        if name in changes:
            setattr(case, name, clean_text(changes[name], field=name, limit=limit))
            fields.append(name)
    if "priority" in changes:
        case.priority = clean_choice(changes["priority"], Priority, field="priority", default=case.priority)
        fields.append("priority")
    if "lat" in changes or "long" in changes:
        case.lat, case.long = clean_location(changes.get("lat", case.lat), changes.get("long", case.long))
        fields += ["lat", "long"]
    if "attributes" in changes or "service_type" in changes:
        case.attributes = clean_attribute_values(case.service_type, _answers(case, changes))
        fields.append("attributes")
    return sorted(set(fields))


def _answers(case: Case, changes: dict[str, Any]) -> dict[str, Any]:
    """Submitted answers, or the old ones that are still questions of the (new) service type."""
    if "attributes" in changes:
        return dict(changes["attributes"] or {})
    codes = set(attributes_for(case.service_type).values_list("code", flat=True))
    return {code: value for code, value in (case.attributes or {}).items() if code in codes}


def _change_service_type(actor: Any, case: Case, value: Any) -> list[str]:
    service_type = resolve_service_type(value)
    if service_type.pk == case.service_type_id:
        return []
    if service_type.department_id != case.department_id:
        if not has_perm(actor, "case.create", service_type.department_id):
            raise PermissionDenied(f"You may not move cases into {service_type.department}.")
        case.department_id = service_type.department_id
        case.team = service_type.default_team if service_type.default_team_id else None
        case.assignee = None
    case.service_type = service_type
    return ["service_type", "department", "team", "assignee"]


def case_assign(
    *,
    actor: Any,
    case: Case,
    team: Team | None = None,
    assignee: User | None = None,
    version: int | None = None,
) -> Case:
    """Assign to a team and/or person of the case's department (None clears the assignee)."""
    require_case(actor, "case.assign", case)
    _check_assignment(case, team, assignee)
    with transaction.atomic():
        case = lock_case(case, version=version)
        before = snapshot(case, ("team_id", "assignee_id"))
        case.team = team if team is not None else case.team
        case.assignee = assignee
        after = snapshot(case, ("team_id", "assignee_id"))
        if after == before:
            return case
        save_case(case, ["team", "assignee"])
        add_entry(case, kind=EntryKind.ASSIGNMENT, actor=actor, data=after)
        audit_record(actor=actor, action="service:case:assign", obj=case, changes=audit_changes(before, after))
        events.publish("case.assigned", case_id=case.pk)
    return case


def _check_assignment(case: Case, team: Team | None, assignee: User | None) -> None:
    if team is not None and team.department_id != case.department_id:
        raise ValidationError(f"{team.name} is not a team of {case.department.name}.", field="team")
    if team is not None and not team.is_active:
        raise ValidationError(f"{team.name} is not active.", field="team")
    if assignee is None:
        return
    if not assignee.is_active:
        raise ValidationError("That person's account is not active.", field="assignee")
    memberships = Membership.objects.filter(user=assignee, role__in=list(CASE_WORKERS))
    in_department = memberships.filter(department_id=case.department_id)
    if team is not None:
        in_department = in_department.filter(team__in=[team, None])
    if not in_department.exists() and not memberships.filter(department__isnull=True).exists():
        raise ValidationError(f"{assignee} does not work cases in {case.department.name}.", field="assignee")


def case_transition(
    *,
    actor: Any,
    case: Case,
    to_status: str,
    version: int | None = None,
    note: str = "",
    public_note: bool = True,
) -> Case:
    """Move a case along the transition table (reopening uses case_reopen)."""
    require_case(actor, "case.transition", case)
    if to_status not in CaseStatus.values:
        raise ValidationError(f"Unknown status {to_status!r}.", field="status")
    note = clean_text(note, field="note", limit=MAX_NOTE)
    with transaction.atomic():
        case = lock_case(case, version=version)
        from_status = case.status
        if not can_transition(from_status, to_status):
            raise _transition_error(case, from_status, to_status)
        _set_status(case, to_status)
        save_case(case, ["status", "resolved_at", "closed_at", "first_response_at"])
        entry = add_entry(
            case,
            kind=EntryKind.STATUS_CHANGE,
            actor=actor,
            body=note,
            public=public_note or not note,
            data={"from": from_status, "to": to_status},
        )
        audit_record(
            actor=actor,
            action="service:case:transition",
            obj=case,
            changes={"status": {"before": from_status, "after": to_status}},
        )
        events.publish("case.status_changed", case_id=case.pk, status=to_status, entry_id=entry.pk)
    return case


def _transition_error(case: Case, from_status: str, to_status: str) -> InvalidTransition:
    allowed = ", ".join(allowed_targets(from_status)) or "none (reopen it first)"
    return InvalidTransition(
        f"{case.reference} cannot go from {CaseStatus(from_status).label} to {CaseStatus(to_status).label}; "
        f"allowed: {allowed}.",
        field="status",
    )


def _set_status(case: Case, to_status: str) -> None:
    now = timezone.now()
    if case.status == CaseStatus.NEW and case.first_response_at is None:
        case.first_response_at = now
    case.status = to_status
    if to_status == CaseStatus.RESOLVED:
        case.resolved_at = now
    elif to_status == CaseStatus.CLOSED:
        case.closed_at = now
        case.resolved_at = case.resolved_at or now


def case_reopen(*, actor: Any, case: Case, reason: str, version: int | None = None) -> Case:
    """Reopen a resolved or closed case; a reason is required and shown on the timeline."""
    require_case(actor, "case.reopen", case)
    reason = clean_text(reason, field="reason", limit=MAX_NOTE)
    if not reason:
        raise ValidationError("Say why the case is reopened.", field="reason")
    with transaction.atomic():
        case = lock_case(case, version=version)
        if case.status not in REOPENABLE or case.merged_into_id:
            raise InvalidTransition(
                f"{case.reference} is {case.get_status_display()} and cannot be reopened.", field="status"
            )
        reopen_locked(actor, case, note=reason)
    return case


def reopen_locked(actor: Any, case: Case, *, note: str, source: str = "") -> None:
    """Reopen a case already locked by the caller's transaction: status, public entry, audit, event."""
    from_status = case.status
    case.status, case.resolved_at, case.closed_at = CaseStatus.OPEN, None, None
    save_case(case, ["status", "resolved_at", "closed_at"])
    data: dict[str, Any] = {"from": from_status, "to": CaseStatus.OPEN, "reopened": True}
    if source:
        data["source"] = source
    add_entry(case, kind=EntryKind.STATUS_CHANGE, actor=actor, body=note, public=True, data=data)
    audit_record(
        actor=actor,
        action="service:case:reopen",
        obj=case,
        changes={"status": {"before": from_status, "after": CaseStatus.OPEN}},
        context={"source": source} if source else None,
    )
    events.publish("case.reopened", case_id=case.pk)


def case_add_note(*, actor: Any, case: Case, body: str, public: bool) -> TimelineEntry:
    """A public update (shown to the resident) or an internal note (staff only)."""
    require_case(actor, "case.note", case)
    body = clean_text(body, field="body", limit=MAX_NOTE)
    if not body:
        raise ValidationError("Write something first.", field="body")
    kind = EntryKind.PUBLIC_UPDATE if public else EntryKind.INTERNAL_NOTE
    with transaction.atomic():
        case = lock_case(case, version=None)
        entry = add_entry(case, kind=kind, actor=actor, body=body, public=public)
        fields: list[str] = []
        if public and case.first_response_at is None:
            case.first_response_at = entry.created_at
            fields.append("first_response_at")
        save_case(case, fields)
        audit_record(
            actor=actor,
            action=f"service:case:{'public_update' if public else 'internal_note'}",
            obj=case,
            context={"entry_id": entry.pk},
        )
        events.publish("case.note_added", case_id=case.pk, entry_id=entry.pk)
    return entry


def case_follow(*, actor: Any, case: Case, person: Person) -> bool:
    """Add a follower ("me too"); returns False when they already follow it."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        require_case(actor, "case.update", case)
    if not person.is_active:
        raise ValidationError("That person was merged into another record.", field="person")
    with transaction.atomic():
        _, created = CaseFollower.objects.get_or_create(case=case, person=person)
        if created:
            audit_record(actor=actor, action="service:case:follow", obj=case, person_id=person.pk)
    return created


def case_unfollow(*, actor: Any, case: Case, person: Person) -> bool:
    if actor is not None and getattr(actor, "is_authenticated", False):
        require_case(actor, "case.update", case)
    with transaction.atomic():
        deleted, _ = CaseFollower.objects.filter(case=case, person=person).delete()
        if deleted:
            audit_record(actor=actor, action="service:case:unfollow", obj=case, person_id=person.pk)
    return bool(deleted)


def case_follow_by_contact(
    *,
    actor: Any,
    case: Case,
    email: str | None = None,
    phone: str | None = None,
    person: Person | None = None,
) -> Person:
    """Someone asks to be told about a case's updates (the portal's tracking page): the person owning the
    email or phone (found or created), or `person` (a signed-in resident), follows it — unless they made
    the request — and their consent to be contacted about it is recorded (method web_form) when not in force.
    """
    if case.merged_into_id:
        raise ValidationError("This request was joined with another one; follow that one instead.", field="contact")
    with transaction.atomic():
        if person is None:
            person, _created = person_find_or_create_by_contact(actor=actor, email=email, phone=phone)
        person = person.surviving()
        if person.pk != case.requester_id:
            case_follow(actor=actor, case=case, person=person)
        if not consent_given(person=person, purpose=ConsentPurpose.CONTACT_ABOUT_CASE):
            consent_record(
                actor=actor,
                person=person,
                purpose=ConsentPurpose.CONTACT_ABOUT_CASE,
                given=True,
                method=ConsentMethod.WEB_FORM,
            )
    return person


def case_set_requester(*, actor: Any, case: Case, person: Person | None) -> Case:
    """Record who asked for this case (the call-centre finds the caller after the fact), or clear it."""
    require_case(actor, "case.update", case)
    if person is not None and not person.is_active:
        raise ValidationError("That person was merged into another record.", field="requester")
    with transaction.atomic():
        case = lock_case(case, version=None)
        before = case.requester_id
        case.requester = person
        if before == case.requester_id:
            return case
        save_case(case, ["requester"])
        audit_record(
            actor=actor,
            action="service:case:set_requester",
            obj=case,
            person_id=case.requester_id or before,
            changes={"requester_id": {"before": before, "after": case.requester_id}},
        )
    return case
