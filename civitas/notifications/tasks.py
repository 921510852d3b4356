"""The delivery task: takes a notification id only (never an address or text)."""

from __future__ import annotations

from django_tasks import task

from civitas.notifications.services import notification_deliver


@task()
def deliver_notification(*, notification_id: int) -> str:
    """Send one queued notification; safe to run twice (a row that is not queued is left alone)."""
    return notification_deliver(notification_id=int(notification_id))
