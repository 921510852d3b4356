"""The case lifecycle: statuses, the explicit transition table and the Open311 mapping."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on resident")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


S = CaseStatus

# Allowed moves through case_transition. Reopening (resolved/closed → open) goes through
# case_reopen, which requires a reason; it is listed separately below.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.OPEN: frozenset({S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.WAITING, S.RESOLVED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.OPEN, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
REOPENABLE = frozenset({S.RESOLVED, S.CLOSED})
OPEN_STATUSES = frozenset({S.NEW, S.OPEN, S.IN_PROGRESS, S.WAITING})
CLOSED_STATUSES = frozenset({S.RESOLVED, S.CLOSED})

OPEN311_STATUS = {status: ("closed" if status in CLOSED_STATUSES else "open") for status in S.values}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def allowed_targets(from_status: str) -> list[str]:
    return [status for status in S.values if status in TRANSITIONS.get(from_status, frozenset())]


def open311_status(status: str) -> str:
    return OPEN311_STATUS[status]
