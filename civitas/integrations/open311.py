"""Open311 GeoReport v2 in the domain: the public request list and update feed, intake, batch tokens.

Everything read here is public (see docs/howto/open311.md): never a requester, a contact, internal
notes or private service types. Requests are named by their reference (SR-2026-000123), updates by an
opaque id (`update_id`), never by a primary key. Rows come back as plain dicts in the spec's field order;
the interface renders them as JSON or XML.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac

from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.cases.public import public_point, public_street
from civitas.cases.services import case_add_external_update, case_add_media_link, case_create
from civitas.cases.states import CaseStatus, open311_status
from civitas.catalog.definitions import Definition, service_definition
from civitas.catalog.models import ServiceKind, ServiceType
from civitas.catalog.selectors import resolve_language, translated
from civitas.core.choices import Channel
from civitas.core.errors import NotFound, ValidationError
from civitas.integrations.models import ApiKey, Open311Token
from civitas.people.models import Person
from civitas.people.services import person_find_or_create_by_contact

MAX_RECORDS = 1000
MAX_SPAN = timedelta(days=90)
MAX_IDS = 1000
SOURCE = "open311"
ADDRESS_ID_PREFIX = "address_id:"

# mySociety's extended statuses (lowercase on GET) for our statuses; "waiting on the resident" is the
# council still looking into it.
EXTENDED_STATUS: dict[str, str] = {
    CaseStatus.NEW: "open",
    CaseStatus.OPEN: "open",
    CaseStatus.IN_PROGRESS: "in_progress",
    CaseStatus.WAITING: "investigating",
    CaseStatus.RESOLVED: "fixed",
    CaseStatus.CLOSED: "closed",
}
# What an Open311 client may say on POST servicerequestupdates (uppercase, mySociety).
UPDATE_STATUSES = frozenset(
    {
        *("OPEN", "REOPEN", "CLOSED", "FIXED", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING", "DUPLICATE"),
        *("NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "UNABLE_TO_FIX", "PLANNED"),
    }
)
REOPEN_STATUSES = frozenset({"OPEN", "REOPEN"})
# The timeline entries the public update feed carries: what staff chose to make public.
UPDATE_KINDS = (EntryKind.PUBLIC_UPDATE, EntryKind.STATUS_CHANGE)


# --- ids -----------------------------------------------------------------------------------------


def update_id(reference: str, entry_pk: int) -> str:
    """An opaque, stable id for a timeline entry: the reference and a keyed hash of the entry id."""
    digest = salted_hmac("civitas.open311.update_id", str(entry_pk)).hexdigest()[:12]
    return f"{reference}-{digest}"


def extended_status(status: str, merged: bool = False) -> str:
    return "duplicate" if merged else EXTENDED_STATUS.get(status, "open")


# --- the request list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    references: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # "open" / "closed"
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = MAX_RECORDS
    extensions: bool = False
    language: str | None = None
    now: datetime = field(default_factory=timezone.now)


def check_window(
    start: datetime | None, end: datetime | None, *, now: datetime, field: str
) -> tuple[datetime, datetime]:
    """The (start, end) a query covers: the last 90 days by default; never more than 90 days."""
    if start is None and end is None:
        return now - MAX_SPAN, now
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise ValidationError(f"{field}: the end is before the start.", field=field)
    if end - start > MAX_SPAN:
        raise ValidationError(f"{field}: the dates may not span more than 90 days.", field=field)
    return start, end


def _notes_and_media(case_ids: list[int]) -> dict[int, dict[str, str]]:
    """Per case: the latest public status note and the first media link, from one query over the page's cases.

    Separate from the rows' query on purpose: as correlated subqueries PostgreSQL evaluated them for every
    candidate row before sorting (e.g. every open case of the window), not just the 1,000 returned.
    """
    found: dict[int, dict[str, str]] = {}
    if not case_ids:
        return found
    entries = (
        TimelineEntry.objects.filter(case_id__in=case_ids, is_public=True)
        .filter(Q(kind=EntryKind.STATUS_CHANGE) | Q(kind=EntryKind.MESSAGE_IN, data__event="media_url"))
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "kind", "body")
    )
    for case_id, kind, body in entries:
        row = found.setdefault(case_id, {})
        if kind == EntryKind.STATUS_CHANGE:
            if body:
                row["status_notes"] = body  # the latest wins (ascending order)
        else:
            row.setdefault("media_url", body)  # the first link wins
    return found


_COLUMNS = (
    "id",
    "reference",
    "status",
    "description",
    "address",
    "lat",
    "long",
    "created_at",
    "updated_at",
    "resolution_due_at",
    "merged_into_id",
    "service_type__code",
    "service_type__is_location_sensitive",
    "department__name",
)


def _filtered(query: RequestQuery) -> QuerySet[Case]:
    # A semi-join on the public types, not a join: with it PostgreSQL walks the (partial) creation-time index
    # newest first and stops at the page's end, where the join led it to a bitmap scan of the whole window.
    public_types = ServiceType.objects.filter(is_private=False).values("id")
    qs = Case.objects.filter(service_type_id__in=public_types)
    if query.references:
        return qs.filter(reference__in=query.references).order_by("-created_at", "-id")
    qs = qs.filter(merged_into__isnull=True)
    if query.service_codes:
        qs = qs.filter(service_type__code__in=query.service_codes)
    if query.statuses:
        wanted = [status for status in CaseStatus.values if open311_status(status) in query.statuses]
        qs = qs.filter(status__in=wanted)
    if query.updated_after or query.updated_before:
        after, before = check_window(query.updated_after, query.updated_before, now=query.now, field="updated_after")
        qs = qs.filter(updated_at__gte=after, updated_at__lte=before)
        if query.start or query.end:
            start, end = check_window(query.start, query.end, now=query.now, field="start_date")
            qs = qs.filter(created_at__gte=start, created_at__lte=end)
        return qs.order_by("-updated_at", "-id")
    start, end = check_window(query.start, query.end, now=query.now, field="start_date")
    return qs.filter(created_at__gte=start, created_at__lte=end).order_by("-created_at", "-id")


def open311_requests(query: RequestQuery) -> list[dict[str, Any]]:
    """GET requests: the page's ids, their rows, their status notes and media links (+ the notes for `extensions`)."""
    if len(query.references) > MAX_IDS:
        raise ValidationError(f"Ask for at most {MAX_IDS} service_request_id values.", field="service_request_id")
    size = min(max(1, query.page_size), MAX_RECORDS)
    offset = (max(1, query.page) - 1) * size
    language = resolve_language(query.language)
    # The page's ids first (one table, index order), then their columns with names joined.
    ids = list(_filtered(query).values_list("id", flat=True)[offset : offset + size])
    position = {pk: n for n, pk in enumerate(ids)}
    values = (
        Case.objects.filter(id__in=ids)
        .annotate(service_name=translated("service_type__name", language))
        .values(*_COLUMNS, "service_name")
    )
    rows = sorted(values, key=lambda row: position[row["id"]])
    extra = _notes_and_media([row["id"] for row in rows])
    for row in rows:
        row.update({"status_notes": "", "media_url": "", **extra.get(row["id"], {})})
    notes = _notes_for([row["id"] for row in rows]) if query.extensions else {}
    return [_request(row, notes.get(row["id"]) if query.extensions else None) for row in rows]


def open311_request(reference: str, *, extensions: bool = False, language: str | None = None) -> dict[str, Any]:
    rows = open311_requests(RequestQuery(references=(reference.strip(),), extensions=extensions, language=language))
    if not rows:
        raise NotFound(f"No service request {reference!r}.", field="service_request_id")
    return rows[0]


def _address(address: str, sensitive: bool) -> tuple[str, str]:
    """(address, address_id) as the public may see them: the street only; nothing when location-sensitive."""
    if sensitive:
        return "", ""
    if address.startswith(ADDRESS_ID_PREFIX):
        return "", address[len(ADDRESS_ID_PREFIX) :]
    return public_street(address), ""


def _request(row: dict[str, Any], notes: list[dict[str, Any]] | None) -> dict[str, Any]:
    sensitive = bool(row["service_type__is_location_sensitive"])
    lat, long = public_point(row["lat"], row["long"], sensitive)
    address, address_id = _address(row["address"] or "", sensitive)
    result: dict[str, Any] = {
        "service_request_id": row["reference"],
        "status": open311_status(row["status"]),
        "status_notes": row["status_notes"] or "",
        "service_name": row["service_name"] or row["service_type__code"],
        "service_code": row["service_type__code"],
        "description": "" if sensitive else row["description"],
        "agency_responsible": row["department__name"],
        "service_notice": "",
        "requested_datetime": row["created_at"],
        "updated_datetime": row["updated_at"],
        "expected_datetime": row["resolution_due_at"],
        "address": address,
        "address_id": address_id,
        "zipcode": "",
        "lat": lat,
        "long": long,
        "media_url": row["media_url"] or "",
    }
    if notes is not None:
        result["extended_attributes"] = {
            "status": extended_status(row["status"], bool(row["merged_into_id"])),
            "internal_status": row["status"],
            "notes": notes,
        }
    return result


def _notes_for(case_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    entries = (
        TimelineEntry.objects.filter(case_id__in=case_ids, is_public=True, kind__in=UPDATE_KINDS)
        .order_by("case_id", "created_at", "id")
        .annotate(status_then=_status_at_entry())
        .values("id", "case_id", "case__reference", "case__status", "kind", "body", "data", "created_at", "status_then")
    )
    notes: dict[int, list[dict[str, Any]]] = {pk: [] for pk in case_ids}
    for entry in entries:
        notes[entry["case_id"]].append(
            {
                "update_id": update_id(entry["case__reference"], entry["id"]),
                "updated_datetime": entry["created_at"],
                "status": _entry_status(entry),
                "description": entry["body"],
            }
        )
    return notes


def _status_at_entry() -> Subquery:
    """The case's status when an entry was written: the latest status change up to it (none: still new)."""
    changes = TimelineEntry.objects.filter(
        case_id=OuterRef("case_id"), kind=EntryKind.STATUS_CHANGE, created_at__lte=OuterRef("created_at")
    )
    return Subquery(changes.order_by("-created_at", "-id").values("data")[:1])


def _entry_status(entry: dict[str, Any]) -> str:
    """A status change names its new status; another update, the status at the time (else the current one)."""
    data = entry["data"] if isinstance(entry["data"], dict) else {}
    if entry["kind"] == EntryKind.STATUS_CHANGE and data.get("to") in EXTENDED_STATUS:
        return EXTENDED_STATUS[data["to"]]
    if "status_then" not in entry:
        return extended_status(entry["case__status"])
    then = entry["status_then"]
    if isinstance(then, str):  # a JSON column read through a subquery may come back undecoded
        then = json.loads(then)
    status = str(then.get("to")) if isinstance(then, dict) else CaseStatus.NEW.value
    return EXTENDED_STATUS.get(status, "open")


# --- the update feed (mySociety servicerequestupdates) ---------------------------------------------


def open311_updates(
    *, start: datetime | None, end: datetime | None, page: int = 1, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Public updates (staff's public notes and status changes) made between start and end, oldest first."""
    start, end = check_window(start, end, now=now or timezone.now(), field="start_date")
    offset = (max(1, page) - 1) * MAX_RECORDS
    entries = (
        TimelineEntry.objects.filter(
            created_at__gte=start,
            created_at__lte=end,
            is_public=True,
            kind__in=UPDATE_KINDS,
            case__service_type__is_private=False,
        )
        .order_by("created_at", "id")
        .annotate(status_then=_status_at_entry())
        .values("id", "kind", "body", "data", "created_at", "case__reference", "case__status", "status_then")[
            offset : offset + MAX_RECORDS
        ]
    )
    return [
        {
            "update_id": update_id(entry["case__reference"], entry["id"]),
            "service_request_id": entry["case__reference"],
            "status": _entry_status(entry),
            "updated_datetime": entry["created_at"],
            "description": entry["body"],
            "media_url": "",
        }
        for entry in entries
    ]


# --- intake ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """A POST requests form, parsed (strings as sent; attributes as code → value or list)."""

    service_code: str
    description: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    media_url: str = ""
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Created:
    service_request_id: str | None
    token: str | None
    service_notice: str


def _public_definition(code: str) -> Definition:
    definition = service_definition(code)
    if definition is None or definition.service_type.is_private or not definition.service_type.is_active:
        raise ValidationError(f"service_code {code!r} was not found.", field="service_code")
    return definition


def _requester(email: str, phone: str, first_name: str, last_name: str) -> Person | None:
    if not (email or phone):
        return None
    person, _created = person_find_or_create_by_contact(
        actor=None, email=email or None, phone=phone or None, given_name=first_name, family_name=last_name
    )
    return person


def _service_notice(definition: Definition) -> str:
    hours = definition.service_type.resolution_target_hours
    return f"We aim to resolve requests of this kind within {hours} hours." if hours else ""


def open311_request_create(*, api_key: ApiKey, submission: Submission) -> Created:
    """POST requests: open a case for the public through the Open311 channel (one transaction)."""
    definition = _public_definition(submission.service_code)
    has_point = bool(submission.lat.strip() or submission.long.strip())
    if not (has_point or submission.address_string.strip() or submission.address_id.strip()):
        raise ValidationError("missing location: give lat and long, address_string or address_id.", field="lat")
    address = submission.address_string.strip()
    if not address and submission.address_id.strip():
        address = ADDRESS_ID_PREFIX + submission.address_id.strip()[:200]
    with transaction.atomic():
        requester = _requester(submission.email, submission.phone, submission.first_name, submission.last_name)
        case = case_create(
            actor=None,
            service_type=definition.service_type.code,
            channel=Channel.OPEN311,
            description=submission.description,
            lat=submission.lat or None,
            long=submission.long or None,
            address=address,
            attributes=submission.attributes,
            requester=requester,
        )
        if submission.media_url.strip():
            case_add_media_link(actor=None, case=case, url=submission.media_url, source=SOURCE)
        token = None
        if definition.service_type.kind == ServiceKind.BATCH:
            token = Open311Token.objects.create(token=secrets.token_urlsafe(24), case=case, api_key=api_key).token
    return Created(
        service_request_id=None if token else case.reference, token=token, service_notice=_service_notice(definition)
    )


def open311_token(token: str) -> dict[str, str]:
    """GET tokens/{token}: the request a batch token became."""
    row = (
        Open311Token.objects.filter(token=(token or "").strip()[:64], case__service_type__is_private=False)
        .values("token", "case__reference")
        .first()
    )
    if row is None:
        raise NotFound("token not found.", field="token")
    return {"service_request_id": row["case__reference"], "token": row["token"]}


# --- updates from clients --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateSubmission:
    service_request_id: str
    status: str
    description: str = ""
    media_url: str = ""
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    update_id_ext: str = ""


def open311_update_create(*, api_key: ApiKey, submission: UpdateSubmission) -> str:
    """POST servicerequestupdates: a resident's comment relayed by the app; returns the new update_id.

    Repeating a post with the same `update_id_ext` (a retry) returns the first update_id.
    """
    status = (submission.status or "").strip().upper()
    if status not in UPDATE_STATUSES:
        raise ValidationError(f"status must be one of: {', '.join(sorted(UPDATE_STATUSES))}.", field="status")
    case = Case.objects.filter(
        reference=(submission.service_request_id or "").strip(), service_type__is_private=False
    ).first()
    if case is None:
        raise NotFound("service_request_id not found.", field="service_request_id")
    existing = _earlier_update(case, api_key, submission.update_id_ext.strip())
    if existing is not None:
        return existing
    with transaction.atomic():
        person = _requester(submission.email, submission.phone, submission.first_name, submission.last_name)
        entry = case_add_external_update(
            actor=None,
            case=case,
            body=submission.description,
            source=SOURCE,
            person=person,
            media_url=submission.media_url,
            requested_status=status.lower(),
            reopen=status in REOPEN_STATUSES,
            external_id=submission.update_id_ext.strip(),
            key_id=api_key.pk,
        )
    return update_id(case.reference, entry.pk)


def _earlier_update(case: Case, api_key: ApiKey, external_id: str) -> str | None:
    if not external_id:
        return None
    pk = (
        TimelineEntry.objects.filter(
            case=case, kind=EntryKind.MESSAGE_IN, data__external_id=external_id, data__key_id=api_key.pk
        )
        .values_list("pk", flat=True)
        .first()
    )
    return update_id(case.reference, pk) if pk is not None else None
