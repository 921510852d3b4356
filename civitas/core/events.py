"""Domain events and the outbox.

A service calls `publish("case.created", case_id=...)` inside its transaction. For every
handler registered for that event, one task row is written in the same transaction
(django-tasks-db), so the side effect commits with the change or not at all. The worker
then runs each handler on its own, retrying with backoff when it fails.

Handlers are registered explicitly by each app's AppConfig.ready() — not Django signals.
Payloads carry ids only (never personal data), and handlers must be idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.utils.module_loading import import_string

Payload = dict[str, int | str | None]

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
    for path in paths:
        run_event_handler.enqueue(handler_path=path, event=event, payload=payload, attempt=1)
    return len(paths)


def _check_payload(payload: Payload) -> None:
    for key, value in payload.items():
        if not (key.endswith("_id") or key.endswith("_ids") or key in {"day", "status", "action"}):
            raise ValueError(f"event payload key {key!r} must name an id; pass ids, never personal data")
        if value is not None and not isinstance(value, int | str):
            raise ValueError(f"event payload {key!r} must be an int or str")
