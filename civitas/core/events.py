"""Domain events and the outbox.

A service calls `publish("case.created", case_id=...)` inside its transaction. For every
handler registered for that event, one task row is written in the same transaction
(django-tasks-db), so the side effect commits with the change or not at all. The worker
then runs each handler on its own, retrying with backoff when it fails.

Handlers are registered explicitly by each app's AppConfig.ready() — not Django signals.
Payloads carry ids only (never personal data), and handlers must be idempotent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

Payload = dict[str, int | str | None]

logger = logging.getLogger(__name__)
_handlers: dict[str, list[str]] = defaultdict(list)


def register(event: str, handler_path: str) -> None:
    """Register a handler (dotted path to a function taking **payload) for an event."""
    if handler_path not in _handlers[event]:
        _handlers[event].append(handler_path)


def handlers_for(event: str) -> list[str]:
    return list(_handlers.get(event, []))


def resolve(handler_path: str) -> Callable[..., object]:
    return import_string(handler_path)


def publish(event: str, **payload: int | str | None) -> int:
    """Enqueue one task per handler of `event`; returns how many were enqueued."""
    _check_payload(payload)
    from civitas.core.tasks import run_event_handler

    paths = handlers_for(event)
    calls: list[dict[str, Any]] = [
        {"handler_path": path, "event": event, "payload": payload, "attempt": 1} for path in paths
    ]
    if len(calls) > 1 and _enqueue_many(run_event_handler, calls):
        return len(calls)
    for path in paths:
        run_event_handler.enqueue(handler_path=path, event=event, payload=payload, attempt=1)
    return len(paths)


def _enqueue_many(task: Any, calls: list[dict[str, Any]]) -> bool:
    """One INSERT for the task rows of one event on the database queue (its own enqueue writes one row each).

    The rows are what `DatabaseBackend.enqueue` writes (same columns, run_after "as soon as possible"), so the
    worker cannot tell them apart (ids from the backend's own id function). Another backend: False, the caller
    enqueues one by one.
    """
    from django_tasks.utils import normalize_json
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task.get_backend()
    if type(backend) is not DatabaseBackend:
        return False
    backend.validate_task(task)
    run_after = task.run_after or get_date_max()
    rows: list[Any] = [
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs=normalize_json({"args": [], "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=run_after,
            backend_name=backend.alias,
        )
        for kwargs in calls
    ]
    DBTaskResult.objects.bulk_create(rows)
    logger.debug("%s task rows enqueued in one insert for %s", len(rows), task.module_path)
    return True


def _check_payload(payload: Payload) -> None:
    for key, value in payload.items():
        if not (key.endswith("_id") or key.endswith("_ids") or key in {"day", "status", "action"}):
            raise ValueError(f"event payload key {key!r} must name an id; pass ids, never personal data")
        if value is not None and not isinstance(value, int | str):
            raise ValueError(f"event payload {key!r} must be an int or str")
