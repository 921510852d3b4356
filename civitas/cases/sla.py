"""Where a case stands against its resolution target, for queues and the workspace.

The workflows issue replaces the calendar-hour due times with business-calendar SLA clocks; this
module is the one place that turns a due time into a state, so every screen shows the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from civitas.cases.states import OPEN_STATUSES, CaseStatus

DUE_SOON = timedelta(hours=24)


@dataclass(frozen=True)
class SlaState:
    kind: str  # "overdue", "due_soon", "on_track", "paused", "met", "none"
    due_at: datetime | None
    remaining: timedelta | None  # negative when overdue


def sla_state(case: Any, now: datetime | None = None) -> SlaState:
    due = case.resolution_due_at
    if case.status not in OPEN_STATUSES:
        return SlaState("met" if due and case.resolved_at and case.resolved_at <= due else "none", due, None)
    if due is None:
        return SlaState("none", None, None)
    remaining = due - (now or timezone.now())
    if case.status == CaseStatus.WAITING:
        return SlaState("paused", due, remaining)
    if remaining < timedelta(0):
        return SlaState("overdue", due, remaining)
    if remaining <= DUE_SOON:
        return SlaState("due_soon", due, remaining)
    return SlaState("on_track", due, remaining)
