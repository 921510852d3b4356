"""Reading cases, always scoped in SQL to the departments the acting user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civitas.accounts.permissions import ALL, departments_for
from civitas.cases.models import Case, TimelineEntry
from civitas.core.errors import NotFound


def cases_visible(*, actor: Any, action: str = "case.view") -> QuerySet[Case]:
    allowed = departments_for(actor, action)
    qs = Case.objects.select_related("service_type", "department", "team", "assignee")
    if allowed is ALL:
        return qs
    return qs.filter(department_id__in=allowed)


def case_get(*, actor: Any, case_id: int | None = None, reference: str | None = None) -> Case:
    """One case the actor may see; NotFound both when missing and when not allowed."""
    if case_id is None and not reference:
        raise NotFound("Not found.")
    lookup = Q(pk=case_id) if case_id is not None else Q(reference__iexact=(reference or "").strip())
    case = cases_visible(actor=actor).filter(lookup).first()
    if case is None:
        raise NotFound("Not found.")
    return case


def case_timeline(*, actor: Any, case: Case, include_internal: bool = True) -> QuerySet[TimelineEntry]:
    """The case's timeline for staff (internal notes only when asked for)."""
    case_get(actor=actor, case_id=case.pk)
    qs = case.timeline.select_related("author").prefetch_related("attachments")
    return qs if include_internal else qs.filter(is_public=True)


MERGE_CHAIN_LIMIT = 20


def case_by_tracking_token(token: str) -> Case:
    """For the resident's private tracking link. Merged cases lead to the case they went into."""
    token = (token or "").strip()
    case = Case.objects.select_related("service_type").filter(tracking_token=token).first() if token else None
    if case is None:
        raise NotFound("No request matches this link.")
    for _step in range(MERGE_CHAIN_LIMIT):
        if case.merged_into_id is None:
            return case
        case = Case.objects.select_related("service_type").get(pk=case.merged_into_id)
    return case


def public_timeline(case: Case) -> QuerySet[TimelineEntry]:
    return case.timeline.filter(is_public=True).order_by("created_at", "id")


def cases_page(qs: QuerySet[Case], *, after: tuple[str, int] | None = None, size: int = 50) -> list[Case]:
    """Keyset page over (created_at desc, id desc); `after` is the last row of the previous page."""
    qs = qs.order_by("-created_at", "-id")
    if after is not None:
        created, pk = after
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    return list(qs[:size])
