"""REST API v1: cases — list (filters, search, keyset pages), get, create, update, transition, assign,
notes and attachments. Cases are named by reference; every read and write goes through the case selectors
and services, which scope to the key's departments and check its permissions."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from civitas.accounts.permissions import has_perm
from civitas.accounts.selectors import teams_visible
from civitas.api.rest.common import READ_ERRORS, WRITE_ERRORS, Id, check_reference, clean_param
from civitas.api.rest.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_int, decode_time_id, encode_cursor, next_link
from civitas.api.rest.schemas import (
    AssignIn,
    AttachmentOut,
    CaseCreateIn,
    CaseOut,
    CasePage,
    CaseUpdateIn,
    IsoDatetime,
    NoteIn,
    NoteOut,
    TransitionIn,
)
from civitas.cases import selectors, services
from civitas.cases.models import Attachment, Case, EntryKind, TimelineEntry
from civitas.core.choices import Channel
from civitas.core.errors import ValidationError
from civitas.search.search import search_cases

router = Router(tags=["cases"])

NOTE_KINDS = (EntryKind.PUBLIC_UPDATE, EntryKind.INTERNAL_NOTE)


class CaseFilters(Schema):
    status: str | None = Field(None, description="One status, or several separated by commas.")
    service_code: str | None = None
    department: str | None = Field(None, description="A department code.")
    team: Id | None = Field(None, description="A team id.")
    assignee: Id | None = Field(None, description="A staff user id.")
    created_after: IsoDatetime | None = None
    created_before: IsoDatetime | None = None
    updated_after: IsoDatetime | None = None
    updated_before: IsoDatetime | None = None
    q: str | None = Field(None, description="Full-text search; results come best match first.")
    cursor: str | None = Field(None, description="From the previous page's `cursor` (opaque).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


# --- output ------------------------------------------------------------------------------------------


def case_out(case: Case, *, show_requester: bool) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "status": case.status,
        "priority": case.priority,
        "channel": case.channel,
        "title": case.title,
        "description": case.description,
        "service_code": case.service_type.code,
        "service_name": case.service_type.name,
        "department": case.department.code,
        "team_id": case.team_id,
        "assignee_id": case.assignee_id,
        "lat": case.lat,
        "long": case.long,
        "address": case.address,
        "area": case.area,
        "attributes": case.attributes or {},
        "requester_id": case.requester_id if show_requester else None,
        "version": case.version,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "response_due_at": case.response_due_at,
        "resolution_due_at": case.resolution_due_at,
        "first_response_at": case.first_response_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
    }


def _out(request: HttpRequest, case: Case) -> dict[str, Any]:
    return case_out(case, show_requester=has_perm(request.user, "person.view"))


def note_out(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "public": entry.is_public,
        "body": entry.body,
        "author_id": entry.author_id,
        "created_at": entry.created_at,
    }


def attachment_out(case: Case, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "public": attachment.is_public,
        "created_at": attachment.created_at,
        "download": reverse("api:case-attachment-download", args=[case.reference, attachment.pk]),
    }


def _case(request: HttpRequest, reference: str) -> Case:
    return selectors.case_get(actor=request.user, reference=check_reference(reference))


# --- list --------------------------------------------------------------------------------------------


def _filtered(request: HttpRequest, filters: CaseFilters) -> Any:
    qs = selectors.cases_visible(actor=request.user)
    status = clean_param(filters.status, "status")
    if status:
        qs = qs.filter(status__in=[part.strip() for part in status.split(",") if part.strip()])
    service_code = clean_param(filters.service_code, "service_code")
    if service_code:
        qs = qs.filter(service_type__code=service_code)
    department = clean_param(filters.department, "department")
    if department:
        qs = qs.filter(department__code=department)
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.assignee is not None:
        qs = qs.filter(assignee_id=filters.assignee)
    for name, lookup in (
        ("created_after", "created_at__gte"),
        ("created_before", "created_at__lt"),
        ("updated_after", "updated_at__gte"),
        ("updated_before", "updated_at__lt"),
    ):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    return qs


def _search_page(request: HttpRequest, filters: CaseFilters, query: str) -> tuple[list[Case], str | None]:
    offset = decode_int(filters.cursor) or 0
    page = search_cases(actor=request.user, query=query, limit=filters.limit, offset=offset)
    ids = [hit.case.pk for hit in page.hits]
    found = _filtered(request, filters).in_bulk(ids)
    cases = [found[pk] for pk in ids if pk in found]
    return cases, encode_cursor([page.next_offset]) if page.has_more else None


def _keyset_page(request: HttpRequest, filters: CaseFilters) -> tuple[list[Case], str | None]:
    after = decode_time_id(filters.cursor)
    rows = selectors.cases_page(_filtered(request, filters), after=after, size=filters.limit + 1)
    cases = rows[: filters.limit]
    if len(rows) <= filters.limit:
        return cases, None
    last = cases[-1]
    return cases, encode_cursor([last.created_at.isoformat(), last.pk])


@router.get("", response={200: CasePage, **READ_ERRORS}, url_name="cases")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    """Cases the key may see, newest first (or best match first with `q`). Follow `next` for more; no total."""
    query = clean_param(filters.q, "q")
    cases, cursor = _search_page(request, filters, query) if query else _keyset_page(request, filters)
    show = has_perm(request.user, "person.view")
    return {
        "items": [case_out(case, show_requester=show) for case in cases],
        "next": next_link(request, cursor),
        "cursor": cursor,
    }


# --- one case ----------------------------------------------------------------------------------------


@router.post("", response={201: CaseOut, **WRITE_ERRORS}, url_name="case-create")
def create_case(request: HttpRequest, payload: CaseCreateIn) -> Any:
    """Open a case (channel `api`). Send an `Idempotency-Key` header to make retries safe."""
    case = services.case_create(
        actor=request.user,
        service_type=payload.service_code,
        channel=Channel.API,
        description=payload.description,
        title=payload.title,
        priority=str(payload.priority) if payload.priority else None,
        lat=payload.lat,
        long=payload.long,
        address=payload.address,
        area=payload.area,
        attributes=payload.attributes,
    )
    return Status(201, _out(request, selectors.case_get(actor=request.user, case_id=case.pk)))


@router.get("/{reference}", response={200: CaseOut, **READ_ERRORS}, url_name="case")
def get_case(request: HttpRequest, reference: str) -> Any:
    return _out(request, _case(request, reference))


@router.patch("/{reference}", response={200: CaseOut, **WRITE_ERRORS}, url_name="case-update")
def update_case(request: HttpRequest, reference: str, payload: CaseUpdateIn) -> Any:
    """Change the fields sent. A `version` older than the stored one gets 409 with `current_version`."""
    case = _case(request, reference)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    if "service_code" in changes:
        changes["service_type"] = changes.pop("service_code") or ""
    for name in ("title", "description", "address", "area"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    case = services.case_update(actor=request.user, case=case, version=version, **changes)
    return _out(request, selectors.case_get(actor=request.user, case_id=case.pk))


@router.post("/{reference}/transition", response={200: CaseOut, **WRITE_ERRORS}, url_name="case-transition")
def transition_case(request: HttpRequest, reference: str, payload: TransitionIn) -> Any:
    """Move the case to another status; a move the transition table refuses gets 409."""
    case = services.case_transition(
        actor=request.user,
        case=_case(request, reference),
        to_status=str(payload.status),
        version=payload.version,
        note=payload.note,
        public_note=payload.public_note,
    )
    return _out(request, selectors.case_get(actor=request.user, case_id=case.pk))


@router.post("/{reference}/assign", response={200: CaseOut, **WRITE_ERRORS}, url_name="case-assign")
def assign_case(request: HttpRequest, reference: str, payload: AssignIn) -> Any:
    """Assign to a team and/or a staff member of the case's department (a team alone clears the person)."""
    case = _case(request, reference)
    if payload.team_id is None and payload.assignee_id is None:
        raise ValidationError("Give a team_id, an assignee_id or both.", field="team_id")
    team = teams_visible(actor=request.user).filter(pk=payload.team_id).first() if payload.team_id else None
    if payload.team_id and team is None:
        raise ValidationError("No such team in the case's department.", field="team_id")
    people = selectors.case_assignable_people(case=case)
    assignee = people.filter(pk=payload.assignee_id).first() if payload.assignee_id else None
    if payload.assignee_id and assignee is None:
        raise ValidationError("No such staff member in the case's department.", field="assignee_id")
    case = services.case_assign(actor=request.user, case=case, team=team, assignee=assignee, version=payload.version)
    return _out(request, selectors.case_get(actor=request.user, case_id=case.pk))


# --- notes -------------------------------------------------------------------------------------------


@router.get("/{reference}/notes", response={200: list[NoteOut], **READ_ERRORS}, url_name="case-notes")
def list_notes(request: HttpRequest, reference: str) -> Any:
    """Public updates and internal notes, oldest first."""
    case = _case(request, reference)
    entries = selectors.case_timeline(actor=request.user, case=case).filter(kind__in=NOTE_KINDS)
    return [note_out(entry) for entry in entries.order_by("created_at", "id")]


@router.post("/{reference}/notes", response={201: NoteOut, **WRITE_ERRORS}, url_name="case-note-add")
def add_note(request: HttpRequest, reference: str, payload: NoteIn) -> Any:
    entry = services.case_add_note(
        actor=request.user, case=_case(request, reference), body=payload.body, public=payload.public
    )
    return Status(201, note_out(entry))


# --- attachments -------------------------------------------------------------------------------------


@router.get("/{reference}/attachments", response={200: list[AttachmentOut], **READ_ERRORS}, url_name="case-attachments")
def list_attachments(request: HttpRequest, reference: str) -> Any:
    case = _case(request, reference)
    return [attachment_out(case, item) for item in selectors.case_attachments(actor=request.user, case=case)]


@router.post("/{reference}/attachments", response={201: AttachmentOut, **WRITE_ERRORS}, url_name="case-attachment-add")
def add_attachment(request: HttpRequest, reference: str, file: File[UploadedFile], public: Form[bool] = False) -> Any:
    """Upload one file (multipart/form-data, field `file`); the type is checked from the bytes."""
    case = _case(request, reference)
    attachment = services.case_add_attachment(
        actor=request.user, case=case, upload=file, name=file.name or "attachment", public=public
    )
    return Status(201, attachment_out(case, attachment))


@router.get(
    "/{reference}/attachments/{attachment_id}",
    response={200: None, **READ_ERRORS},
    url_name="case-attachment-download",
    openapi_extra={"responses": {"200": {"description": "The file, as a download."}}},
)
def download_attachment(request: HttpRequest, reference: str, attachment_id: Id) -> Any:
    case = _case(request, reference)
    attachment = selectors.case_attachment_get(actor=request.user, case=case, attachment_id=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
