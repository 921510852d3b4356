"""REST API v1: the audit trail, for auditors and privacy officers (`audit.view`), in chain order."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from civitas.api.rest.common import READ_ERRORS, Id, clean_param
from civitas.api.rest.pagination import decode_int, encode_cursor, next_link
from civitas.api.rest.schemas import AuditPage
from civitas.audit.models import AuditEvent
from civitas.audit.selectors import audit_events_page

router = Router(tags=["audit"])


class AuditFilters(Schema):
    action: str | None = Field(None, description="e.g. service:case:create")
    object_type: str | None = None
    object_id: str | None = None
    person_id: Id | None = None
    actor_id: Id | None = None
    cursor: str | None = None
    limit: int = Field(100, ge=1, le=500)


def event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at,
        "action": event.action,
        "actor_id": event.actor_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": event.person_id,
        "data": event.data,
        "request_id": event.request_id,
        "hash": event.hash,
    }


@router.get("", response={200: AuditPage, **READ_ERRORS}, url_name="audit-events")
def list_audit_events(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    """Events oldest first; follow `next` (or keep the last `cursor`) to read on as the trail grows."""
    events = audit_events_page(
        actor=request.user,
        after_seq=decode_int(filters.cursor),
        limit=filters.limit + 1,
        action=clean_param(filters.action, "action"),
        object_type=clean_param(filters.object_type, "object_type"),
        object_id=clean_param(filters.object_id, "object_id"),
        person_id=filters.person_id,
        actor_id=filters.actor_id,
    )
    page = events[: filters.limit]
    cursor = encode_cursor([page[-1].seq]) if len(events) > filters.limit else None
    return {"items": [event_out(event) for event in page], "next": next_link(request, cursor), "cursor": cursor}
