"""The fan-out: one case event → one delivery row and one delivery task per subscription that should hear of it.

A subscription hears of a case when it is active, asks for the event, its owner may view the case's department
(`case.view`) and the department is one of the subscription's (or it names none). The event id is derived from
the event and the ids it concerns, and a delivery is unique per (subscription, event id): running the handler
twice writes nothing more. The payload is built once per event and carries only public fields (see
docs/howto/webhooks.md): no resident's name or contacts, no description, no internal note.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import transaction

from civitas.accounts.permissions import ALL, departments_for
from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.cases.public import public_point, public_street
from civitas.integrations.models import WebhookDelivery, WebhookSubscription

# Fixed namespace: the same event gets the same id on every run and every server.
EVENT_NAMESPACE = uuid.UUID("5b0e8f0e-4c1f-4f57-9a53-1f6f2b8e7c11")


def event_id_for(event: str, *ids: int | None) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, ":".join([event, *("" if pk is None else str(pk) for pk in ids)])))


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _location(case: Case) -> dict[str, Any]:
    """Street and point as the public may see them (coarse for location-sensitive or private service types)."""
    coarse = case.service_type.is_location_sensitive or case.service_type.is_private
    lat, long = public_point(case.lat, case.long, coarse)
    return {
        "area": case.area,
        "street": "" if coarse else public_street(case.address),
        "lat": lat,
        "long": long,
        "location_is_approximate": True,
    }


def case_data(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "status": case.status,
        "service_code": case.service_type.code,
        "service_name": str(case.service_type.name),
        "department": case.department.code,
        "team": case.team.code if case.team_id and case.team else None,
        "priority": case.priority,
        "channel": case.channel,
        "created_at": _stamp(case.created_at),
        "updated_at": _stamp(case.updated_at),
        "resolved_at": _stamp(case.resolved_at),
        "closed_at": _stamp(case.closed_at),
        "location": _location(case),
    }


def entry_data(entry: TimelineEntry) -> dict[str, Any]:
    """A timeline entry without its author; the text only when it was made public."""
    data: dict[str, Any] = {"kind": entry.kind, "created_at": _stamp(entry.created_at)}
    data["body"] = entry.body if entry.is_public else ""
    if entry.kind == EntryKind.STATUS_CHANGE:
        data["from_status"] = entry.data.get("from")
        data["to_status"] = entry.data.get("to")
    return data


def build_payload(
    *, event: str, event_id: str, case: Case, entry: TimelineEntry | None, created_at: datetime
) -> dict[str, Any]:
    data: dict[str, Any] = {"case": case_data(case)}
    if entry is not None:
        data["entry"] = entry_data(entry)
    return {"id": event_id, "event": event, "created_at": _stamp(created_at), "data": data}


def _may_hear(subscription: WebhookSubscription, department_id: int) -> bool:
    viewable = departments_for(subscription.owner, "case.view")
    if viewable is not ALL and department_id not in viewable:
        return False
    chosen = {department.pk for department in subscription.departments.all()}
    return not chosen or department_id in chosen


def subscriptions_for(event: str, department_id: int) -> list[WebhookSubscription]:
    """Active subscriptions to `event` allowed to see cases of the department (events are filtered in Python:
    JSON containment is not portable to SQLite, and subscriptions are few)."""
    active = WebhookSubscription.objects.filter(is_active=True).select_related("owner").prefetch_related("departments")
    return [sub for sub in active if event in sub.events and _may_hear(sub, department_id)]


def webhook_fan_out(*, event: str, case_id: int, entry: TimelineEntry | None = None) -> int:
    """Write the deliveries for one event and queue their tasks; returns how many were new."""
    from civitas.integrations.webhooks.delivery import enqueue_delivery

    case = Case.objects.select_related("service_type", "department", "team").filter(pk=case_id).first()
    if case is None:
        return 0
    subscriptions = subscriptions_for(event, case.department_id)
    if not subscriptions:
        return 0
    event_id = event_id_for(event, case.pk, entry.pk if entry is not None else None)
    created_at = entry.created_at if entry is not None else case.created_at
    payload = build_payload(event=event, event_id=event_id, case=case, entry=entry, created_at=created_at)
    created = 0
    with transaction.atomic():
        for subscription in subscriptions:
            delivery, is_new = WebhookDelivery.objects.get_or_create(
                subscription=subscription, event_id=event_id, defaults={"event": event, "payload": payload}
            )
            if is_new:
                enqueue_delivery(delivery)
                created += 1
    return created
