"""What a resident sees when they track their request: by the private link, or by reference + contact.

The tracking token is a secret (it is the resident's key to the page): never log it, never put it
in a task argument. The page shows only what the resident may see: the service, a plain status, the
public timeline (public updates, status changes and the receipt — never internal notes, messages
or staff names), the expected date, the submitted date and the location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civitas.cases.models import Case, CaseFollower, EntryKind, TimelineEntry
from civitas.cases.selectors import public_timeline
from civitas.cases.states import CLOSED_STATUSES, CaseStatus
from civitas.core.errors import NotFound
from civitas.people.models import ContactPoint, Person
from civitas.people.normalise import guess_contact

# Tokens are secrets.token_urlsafe(24): 32 characters of [A-Za-z0-9_-]. Anything longer is garbage.
TOKEN_MAX_LENGTH = 64
REFERENCE_MAX_LENGTH = 24
CONTACT_MAX_LENGTH = 254
# A point without an address is shown rounded: 4 decimals ≈ 11 m, 3 decimals ≈ 110 m for location-sensitive types.
POINT_DECIMALS = 4
SENSITIVE_POINT_DECIMALS = 3

# The status in the resident's words: (headline, what it means).
STATUS_WORDS: dict[str, tuple[Any, Any]] = {
    CaseStatus.NEW: (_("We have received it"), _("Your request is with us. Someone will look at it soon.")),
    CaseStatus.OPEN: (
        _("We are looking at it"),
        _("The right team has your request and will start work on it."),
    ),
    CaseStatus.IN_PROGRESS: (_("Someone is working on it"), _("A team is working on your request now.")),
    CaseStatus.WAITING: (
        _("We need something from you"),
        _("We are waiting for more information before we can go on. Check your messages from us."),
    ),
    CaseStatus.RESOLVED: (_("Done"), _("We have finished the work on this request.")),
    CaseStatus.CLOSED: (_("Done and closed"), _("This request is finished and closed.")),
}


def status_words(status: str) -> tuple[Any, Any]:
    """(headline, explanation) for a case status, in plain language (translatable)."""
    return STATUS_WORDS.get(status, STATUS_WORDS[CaseStatus.NEW])


@dataclass(frozen=True)
class TrackingEvent:
    when: datetime
    headline: Any
    body: str  # text staff wrote for the public (a public update or a public note on a status change)


@dataclass(frozen=True)
class TrackingView:
    case: Case
    service_name: str
    status: str
    status_headline: Any
    status_explanation: Any
    is_done: bool
    submitted_at: datetime
    expected_at: datetime | None
    department_name: str
    address: str
    area: str
    point: tuple[float, float] | None
    events: list[TrackingEvent]
    merged_into: Case | None


TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+")


def case_by_token(token: str) -> Case:
    """The case a tracking link names (not following merges: the page says it was merged), or NotFound."""
    token = (token or "").strip()
    # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else (a NUL byte, which PostgreSQL
    # refuses in text) cannot match and never reaches the database.
    if not token or len(token) > TOKEN_MAX_LENGTH or not TOKEN_SHAPE.fullmatch(token):
        raise NotFound("No request matches this link.")
    case = Case.objects.select_related("service_type", "department", "merged_into").filter(tracking_token=token).first()
    if case is None:
        raise NotFound("No request matches this link.")
    return case


def case_for_resident(reference: str, contact: str) -> Case | None:
    """The case with `reference` when `contact` (an email or phone) is its requester's or a follower's.

    None otherwise — the caller shows one message whether the reference exists or not.
    """
    reference = (reference or "").strip().upper()
    contact = (contact or "").strip()
    if not reference or not contact or len(reference) > REFERENCE_MAX_LENGTH or len(contact) > CONTACT_MAX_LENGTH:
        return None
    person_ids = persons_with_contact(contact)
    if not person_ids:
        return None
    followed = CaseFollower.objects.filter(person_id__in=person_ids).values("case_id")
    return (
        Case.objects.filter(reference=reference)
        .filter(Q(requester_id__in=person_ids) | Q(pk__in=followed))
        .only("pk", "tracking_token")
        .first()
    )


def persons_with_contact(contact: str) -> list[int]:
    """Ids of the people (and the survivors of merged ones) owning an email or phone, normalised."""
    guessed = guess_contact(contact)
    if guessed is None:
        return []
    kind, value = guessed
    owners = list(ContactPoint.objects.filter(kind=kind, value=value).values_list("person_id", flat=True))
    if not owners:
        return []
    survivors = [person.surviving().pk for person in Person.objects.filter(pk__in=owners)]
    return sorted(set(owners) | set(survivors))


def tracking_view(case: Case) -> TrackingView:
    """Everything the private tracking page shows, in plain words; no personal data beyond the location."""
    headline, explanation = status_words(case.status)
    return TrackingView(
        case=case,
        service_name=case.service_type.name,
        status=case.status,
        status_headline=headline,
        status_explanation=explanation,
        is_done=case.status in CLOSED_STATUSES,
        submitted_at=case.created_at,
        expected_at=None if case.status in CLOSED_STATUSES else case.resolution_due_at,
        department_name=case.department.name,
        address=case.address,
        area=case.area,
        point=_rounded_point(case),
        events=_events(case),
        merged_into=case.merged_into if case.merged_into_id else None,
    )


def _rounded_point(case: Case) -> tuple[float, float] | None:
    if case.lat is None or case.long is None:
        return None
    decimals = SENSITIVE_POINT_DECIMALS if case.service_type.is_location_sensitive else POINT_DECIMALS
    return round(case.lat, decimals), round(case.long, decimals)


RECEIPT = _("We received your request")
UPDATE = _("Update from the team")
MERGED = _("Joined with another report of the same problem")
MERGED_IN = _("Another report of the same problem was joined to this one")


def _events(case: Case) -> list[TrackingEvent]:
    entries = public_timeline(case).filter(
        kind__in=[EntryKind.PUBLIC_UPDATE, EntryKind.STATUS_CHANGE, EntryKind.SYSTEM]
    )
    events: list[TrackingEvent] = []
    for entry in entries.only("kind", "body", "data", "created_at"):
        event = _event(entry)
        if event is not None:
            events.append(event)
    return events


def _event(entry: TimelineEntry) -> TrackingEvent | None:
    data = entry.data or {}
    if entry.kind == EntryKind.PUBLIC_UPDATE:
        return TrackingEvent(when=entry.created_at, headline=UPDATE, body=entry.body)
    if entry.kind == EntryKind.STATUS_CHANGE:
        to_status = str(data.get("to", ""))
        if to_status not in CaseStatus.values:
            return None
        if data.get("merged_into"):
            return TrackingEvent(when=entry.created_at, headline=MERGED, body=entry.body)
        headline = _("Reopened: %(status)s") if data.get("reopened") else _("Status: %(status)s")
        return TrackingEvent(
            when=entry.created_at, headline=headline % {"status": status_words(to_status)[0]}, body=entry.body
        )
    if data.get("event") == "created":
        return TrackingEvent(when=entry.created_at, headline=RECEIPT, body="")
    if data.get("event") == "merged_in":
        return TrackingEvent(when=entry.created_at, headline=MERGED_IN, body="")
    return None
