"""Event handlers of the integrations app (registered in apps.py; run by the worker; ids only; idempotent).

The webhook fan-out lives in `webhooks.py`; HANDLERS maps each case event to it.
"""

from __future__ import annotations

from civitas.core import events

HANDLERS: dict[str, str] = {}


def register_all() -> None:
    """Register this app's event handlers with civitas.core.events."""
    for event, path in HANDLERS.items():
        events.register(event, path)
