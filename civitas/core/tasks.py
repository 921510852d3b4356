"""Core tasks: the event-handler runner (with retries) and periodic maintenance."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from civitas.core import events

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BASE_BACKOFF_SECONDS = 30


def backoff_seconds(attempt: int) -> int:
    """30 s, 60 s, 120 s … doubling after each failed attempt."""
    return BASE_BACKOFF_SECONDS * 2 ** (attempt - 1)


@task()
def run_event_handler(*, handler_path: str, event: str, payload: dict, attempt: int = 1) -> str:
    handler = events.resolve(handler_path)
    try:
        with transaction.atomic():
            handler(**payload)
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            logger.exception("event handler %s for %s failed for good after %s attempts", handler_path, event, attempt)
            raise
        delay = backoff_seconds(attempt)
        logger.warning(
            "event handler %s for %s failed (attempt %s); retrying in %ss", handler_path, event, attempt, delay
        )
        run_event_handler.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            handler_path=handler_path, event=event, payload=payload, attempt=attempt + 1
        )
        raise
    return "ok"


@task()
def prune_finished_tasks(*, older_than_days: int = 14) -> int:
    """Delete finished task rows older than the given age (the queue table must not grow forever)."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
