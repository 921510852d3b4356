"""Reading cases, always scoped in SQL to the departments the acting user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from civitas.accounts.models import Membership, Team, User
from civitas.accounts.permissions import ALL, CASE_WORKERS, departments_for, has_perm
from civitas.audit.models import AuditEvent
from civitas.audit.services import access_record
from civitas.cases.models import Attachment, Case, CaseLink, EntryKind, TimelineEntry
from civitas.catalog.models import ServiceType
from civitas.core.errors import NotFound
from civitas.people.models import Person
from civitas.people.selectors import person_get


def cases_visible(*, actor: Any, action: str = "case.view") -> QuerySet[Case]:
    allowed = departments_for(actor, action)
    qs = Case.objects.select_related("service_type", "department", "team", "assignee")
    if allowed is ALL:
        return qs
    return qs.filter(department_id__in=allowed)


def case_get(*, actor: Any, case_id: int | None = None, reference: str | None = None) -> Case:
    """One case the actor may see; NotFound both when missing and when not allowed."""
    if case_id is None and not reference:
        raise NotFound("Not found.")
    lookup = Q(pk=case_id) if case_id is not None else Q(reference__iexact=(reference or "").strip())
    case = cases_visible(actor=actor).filter(lookup).first()
    if case is None:
        raise NotFound("Not found.")
    return case


def case_timeline(*, actor: Any, case: Case, include_internal: bool = True) -> QuerySet[TimelineEntry]:
    """The case's timeline for staff (internal notes only when asked for)."""
    case_get(actor=actor, case_id=case.pk)
    qs = case.timeline.select_related("author").prefetch_related("attachments")
    return qs if include_internal else qs.filter(is_public=True)


MERGE_CHAIN_LIMIT = 20


def case_by_tracking_token(token: str) -> Case:
    """For the resident's private tracking link. Merged cases lead to the case they went into."""
    token = (token or "").strip()
    usable = bool(token) and len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() and token.isascii()
    case = Case.objects.select_related("service_type").filter(tracking_token=token).first() if usable else None
    if case is None:
        raise NotFound("No request matches this link.")
    for _step in range(MERGE_CHAIN_LIMIT):
        if case.merged_into_id is None:
            return case
        case = Case.objects.select_related("service_type").get(pk=case.merged_into_id)
    return case


def public_timeline(case: Case) -> QuerySet[TimelineEntry]:
    return case.timeline.filter(is_public=True).order_by("created_at", "id")


def cases_page(qs: QuerySet[Case], *, after: tuple[str, int] | None = None, size: int = 50) -> list[Case]:
    """Keyset page over (created_at desc, id desc); `after` is the last row of the previous page."""
    qs = qs.order_by("-created_at", "-id")
    if after is not None:
        created, pk = after
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    return list(qs[:size])


# --- the case workspace (console) ----------------------------------------------------------------

TIMELINE_FILTERS: dict[str, Q | None] = {
    "all": None,
    "public": Q(is_public=True),
    "internal": Q(is_public=False),
    "messages": Q(kind__in=[EntryKind.MESSAGE_IN, EntryKind.MESSAGE_OUT]),
    "changes": Q(kind__in=[EntryKind.STATUS_CHANGE, EntryKind.ASSIGNMENT, EntryKind.SYSTEM]),
}
TIMELINE_LIMIT = 500
PICKER_LIMIT = 10
OTHER_CASES_LIMIT = 10


def case_timeline_view(*, actor: Any, case: Case, show: str = "all", newest_first: bool = True) -> list[TimelineEntry]:
    """Timeline entries for the workspace, filtered, with assignment names resolved (a fixed number of queries).

    Each assignment entry gets `team_name` and `assignee_name` attributes.
    """
    condition = TIMELINE_FILTERS.get(show)
    qs = case_timeline(actor=actor, case=case)
    if condition is not None:
        qs = qs.filter(condition)
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    entries = list(qs.order_by(*order)[:TIMELINE_LIMIT])
    _name_assignments(entries)
    return entries


def _name_assignments(entries: list[TimelineEntry]) -> None:
    assignments = [entry for entry in entries if entry.kind == EntryKind.ASSIGNMENT]
    if not assignments:
        return
    team_ids = {entry.data.get("team_id") for entry in assignments} - {None}
    user_ids = {entry.data.get("assignee_id") for entry in assignments} - {None}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
    users = {user.pk: str(user) for user in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    for entry in assignments:
        entry.team_name = teams.get(entry.data.get("team_id"), "")  # type: ignore[attr-defined]
        entry.assignee_name = users.get(entry.data.get("assignee_id"), "")  # type: ignore[attr-defined]


def case_last_editor(*, actor: Any, case: Case) -> Any:
    """The member of staff who made the latest recorded change to the case (None when unknown)."""
    case_get(actor=actor, case_id=case.pk)
    event = (
        AuditEvent.objects.filter(object_type=Case._meta.label_lower, object_id=str(case.pk))
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    return event.actor if event is not None else None


def case_links_view(*, actor: Any, case: Case) -> dict[str, list[Any]]:
    """Links out of and into the case, only to cases the actor may see: {"out": [...], "in": [...]}."""
    visible = cases_visible(actor=actor).values("pk")
    links_out = (
        CaseLink.objects.filter(from_case=case, to_case__in=visible).select_related("to_case").order_by("created_at")
    )
    links_in = (
        CaseLink.objects.filter(to_case=case, from_case__in=visible).select_related("from_case").order_by("created_at")
    )
    return {"out": list(links_out), "in": list(links_in)}


def cases_for_picker(*, actor: Any, query: str, exclude: Case | None = None) -> list[Case]:
    """Cases to link or merge with: an exact reference, or words in the title or description."""
    query = (query or "").strip()[:200]
    if not query:
        return []
    qs = cases_visible(actor=actor)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    exact = list(qs.filter(reference__iexact=query)[:1])
    if exact:
        return exact
    words = query.split()[:5]
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(reference__icontains=word))
    return list(qs.order_by("-created_at", "-id")[:PICKER_LIMIT])


def case_attachment_get(*, actor: Any, case: Case, attachment_id: int) -> Attachment:
    """An attachment of a case the actor may see; NotFound otherwise."""
    case_get(actor=actor, case_id=case.pk)
    attachment = Attachment.objects.filter(case_id=case.pk, pk=attachment_id).first()
    if attachment is None:
        raise NotFound("Not found.")
    return attachment


def case_attachments(*, actor: Any, case: Case) -> list[Attachment]:
    case_get(actor=actor, case_id=case.pk)
    return list(Attachment.objects.filter(case_id=case.pk).select_related("uploaded_by").order_by("created_at", "id"))


def cases_of_requester(*, actor: Any, case: Case) -> list[Case]:
    """The requester's other cases the actor may see, most recent first."""
    if case.requester_id is None:
        return []
    qs = cases_visible(actor=actor).filter(requester_id=case.requester_id).exclude(pk=case.pk)
    return list(qs.order_by("-created_at", "-id")[:OTHER_CASES_LIMIT])


@dataclass(frozen=True)
class RequesterView:
    person: Any
    contacts: list[tuple[str, str]]  # (kind label, value shown)
    masked: bool


def case_requester(*, actor: Any, case: Case, purpose: str = "case_work") -> RequesterView | None:
    """The requester's name and contact points; masked unless the actor may view people. Records the read."""
    case_get(actor=actor, case_id=case.pk)
    if case.requester_id is None:
        return None
    if has_perm(actor, "person.view"):
        person = person_get(actor=actor, person_id=case.requester_id, purpose=purpose)
        contacts = [(point.get_kind_display(), point.value) for point in person.contact_points.all()]
        return RequesterView(person=person, contacts=contacts, masked=False)
    person = Person.objects.prefetch_related("contact_points").get(pk=case.requester_id)
    access_record(actor=actor, person_id=person.pk, purpose=purpose, what="person:masked")
    contacts = [
        (point.get_kind_display(), mask_contact(point.kind, point.value)) for point in person.contact_points.all()
    ]
    return RequesterView(person=person, contacts=contacts, masked=True)


def mask_contact(kind: str, value: str) -> str:
    """'jane.doe@example.org' -> 'j•••@example.org'; '+16175550123' -> '+1•••••••0123'."""
    if kind == "email" and "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[:1]}•••@{domain}"
    keep = 2 if len(value) > 8 else 0
    return value[:keep] + "•" * max(len(value) - keep - 4, 1) + value[-4:]


def service_types_for_transfer(*, actor: Any) -> QuerySet[ServiceType]:
    """Active service types in departments where the actor may create cases (moving a case there is allowed)."""
    allowed = departments_for(actor, "case.create")
    qs = ServiceType.objects.filter(is_active=True).select_related("department")
    if allowed is not ALL:
        qs = qs.filter(department_id__in=allowed)
    return qs.order_by("department__name", "name")


def case_teams(*, case: Case) -> QuerySet[Team]:
    """Active teams of the case's department (the teams it may be assigned to)."""
    return Team.objects.filter(department_id=case.department_id, is_active=True).order_by("name")


def case_assignable_people(*, case: Case) -> QuerySet[User]:
    """Active staff who work cases in the case's department (or organisation-wide)."""
    memberships = Membership.objects.filter(role__in=list(CASE_WORKERS)).filter(
        Q(department_id=case.department_id) | Q(department__isnull=True)
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("display_name", "email")
