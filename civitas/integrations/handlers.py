"""Event handlers of the integrations app (registered in apps.py; run by the worker; ids only; idempotent).

Each case event is fanned out to the webhook subscriptions that asked for it (`webhooks.fanout`). The event id
comes from the timeline entry the event wrote, so running a handler twice sends nothing more.
"""

from __future__ import annotations

from civitas.cases.models import EntryKind, TimelineEntry
from civitas.core import events
from civitas.integrations.webhooks.fanout import webhook_fan_out

HANDLERS: dict[str, str] = {
    "case.created": "civitas.integrations.handlers.on_case_created",
    "case.status_changed": "civitas.integrations.handlers.on_status_changed",
    "case.note_added": "civitas.integrations.handlers.on_note_added",
    "case.reopened": "civitas.integrations.handlers.on_case_reopened",
    "case.assigned": "civitas.integrations.handlers.on_case_assigned",
}


def register_all() -> None:
    """Register this app's event handlers with civitas.core.events."""
    for event, path in HANDLERS.items():
        events.register(event, path)


def _entry(case_id: int | str, entry_id: int | str | None) -> TimelineEntry | None:
    if entry_id is None:
        return None
    return TimelineEntry.objects.filter(pk=int(entry_id), case_id=int(case_id)).first()


def _latest(case_id: int | str, kind: str, **data: object) -> TimelineEntry | None:
    entries = TimelineEntry.objects.filter(case_id=int(case_id), kind=kind)
    if data:
        entries = entries.filter(**{f"data__{key}": value for key, value in data.items()})
    return entries.order_by("-created_at", "-id").first()


def on_case_created(*, case_id: int, **_: object) -> None:
    webhook_fan_out(event="case.created", case_id=int(case_id))


def on_status_changed(*, case_id: int, entry_id: int | None = None, **_: object) -> None:
    entry = _entry(case_id, entry_id)
    if entry is None:
        return
    webhook_fan_out(event="case.status_changed", case_id=int(case_id), entry=entry)


def on_note_added(*, case_id: int, entry_id: int, **_: object) -> None:
    """Public updates only: an internal note is never sent anywhere."""
    entry = _entry(case_id, entry_id)
    if entry is None or not entry.is_public or entry.kind != EntryKind.PUBLIC_UPDATE:
        return
    webhook_fan_out(event="case.note_added", case_id=int(case_id), entry=entry)


def on_case_reopened(*, case_id: int, **_: object) -> None:
    entry = _latest(case_id, EntryKind.STATUS_CHANGE, reopened=True)
    if entry is None:
        return
    webhook_fan_out(event="case.reopened", case_id=int(case_id), entry=entry)


def on_case_assigned(*, case_id: int, **_: object) -> None:
    entry = _latest(case_id, EntryKind.ASSIGNMENT)
    if entry is None:
        return
    webhook_fan_out(event="case.assigned", case_id=int(case_id), entry=entry)
