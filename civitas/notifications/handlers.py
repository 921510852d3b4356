"""Event handlers that queue notifications (registered in apps.py; filled in by the notifications work)."""

from __future__ import annotations


def register_all() -> None:
    """Register this app's event handlers with civitas.core.events (none yet)."""
