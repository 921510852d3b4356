"""Selectors for one person's cases and messages (the console's person 360° view).

Scoped like every case read: only cases in departments where the actor may view cases.
Kept apart from selectors.py so the workspace and the person view can grow independently.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civitas.cases.models import Case, CaseFollower, EntryKind, TimelineEntry
from civitas.cases.selectors import cases_visible

PERSON_CASES_LIMIT = 50
MESSAGE_KINDS = (EntryKind.MESSAGE_IN, EntryKind.MESSAGE_OUT)


def cases_for_person(*, actor: Any, person_id: int) -> QuerySet[Case]:
    """Cases the actor may see that the person requested or follows, newest first."""
    followed = CaseFollower.objects.filter(person_id=person_id).values("case_id")
    qs = cases_visible(actor=actor).filter(Q(requester_id=person_id) | Q(pk__in=followed))
    return qs.order_by("-created_at", "-id")


def person_messages(*, actor: Any, person_id: int, limit: int = PERSON_CASES_LIMIT) -> list[TimelineEntry]:
    """Messages in and out on the person's visible cases, newest first (at most `limit`)."""
    case_ids = cases_for_person(actor=actor, person_id=person_id).order_by().values("pk")
    qs = TimelineEntry.objects.filter(case_id__in=case_ids, kind__in=MESSAGE_KINDS).select_related("case", "author")
    return list(qs.order_by("-created_at", "-id")[: max(1, limit)])
