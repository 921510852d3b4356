"""Event handlers that queue notifications (registered in apps.py; run by the worker; ids only; idempotent).

Each handler writes at most one row per (kind, case, person, entry): run twice, it creates nothing more.
"""

from __future__ import annotations

from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.core import events
from civitas.notifications.models import NotificationKind
from civitas.notifications.services import (
    creation_entry,
    notification_queue_sign_in_link,
    notifications_queue_for_case,
    status_entry,
    status_notice_kind,
)
from civitas.people.models import SignInLink

HANDLERS = {
    "case.created": "civitas.notifications.handlers.on_case_created",
    "case.note_added": "civitas.notifications.handlers.on_note_added",
    "case.status_changed": "civitas.notifications.handlers.on_status_changed",
    "case.reopened": "civitas.notifications.handlers.on_case_reopened",
    "person.sign_in_link_requested": "civitas.notifications.handlers.on_sign_in_link_requested",
}


def register_all() -> None:
    """Register this app's event handlers with civitas.core.events."""
    for event, path in HANDLERS.items():
        events.register(event, path)


def _case(case_id: int | str) -> Case | None:
    return Case.objects.select_related("requester", "service_type").filter(pk=int(case_id)).first()


def on_case_created(*, case_id: int, **_: object) -> None:
    """An acknowledgment to the requester (followers added at intake asked for updates, not a receipt)."""
    case = _case(case_id)
    if case is None:
        return
    notifications_queue_for_case(
        case=case, kind=NotificationKind.ACKNOWLEDGMENT, entry=creation_entry(case), include_followers=False
    )


def on_note_added(*, case_id: int, entry_id: int, **_: object) -> None:
    """A public update goes to the requester and followers; internal notes go to nobody."""
    case = _case(case_id)
    entry = TimelineEntry.objects.filter(pk=int(entry_id), case_id=int(case_id)).first()
    if case is None or entry is None or not entry.is_public or entry.kind != EntryKind.PUBLIC_UPDATE:
        return
    notifications_queue_for_case(case=case, kind=NotificationKind.PUBLIC_UPDATE, entry=entry, include_followers=True)


def on_status_changed(*, case_id: int, status: str, entry_id: int | None = None, **_: object) -> None:
    """STATUS_CHANGED to requester and followers; RESOLVED instead when the case was resolved."""
    case = _case(case_id)
    if case is None:
        return
    entry = status_entry(case, status=status, entry_id=entry_id)
    kind = status_notice_kind(status=status, entry=entry)
    if kind is None:
        return
    notifications_queue_for_case(case=case, kind=kind, entry=entry, include_followers=True)


def on_case_reopened(*, case_id: int, **_: object) -> None:
    """Reopening is a status change (back to open) the requester and followers should hear about."""
    case = _case(case_id)
    if case is None:
        return
    entry = status_entry(case, status="open")
    notifications_queue_for_case(case=case, kind=NotificationKind.STATUS_CHANGED, entry=entry, include_followers=True)


def on_sign_in_link_requested(*, sign_in_link_id: int, **_: object) -> None:
    """The email carrying a sign-in link (people.residents.sign_in_link_request publishes the event)."""
    link = SignInLink.objects.select_related("person").filter(pk=int(sign_in_link_id)).first()
    if link is not None:
        notification_queue_sign_in_link(link=link)
