"""Event handlers for case events, run by the worker (idempotent: safe to run twice)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Count
from django.utils import timezone

from civitas.cases.models import Case, CaseDailyStat


def refresh_daily_stats(*, case_id: int, **_: object) -> None:
    """Recompute the opened/closed rollup for the days this case touches (never increments)."""
    case = Case.objects.filter(pk=case_id).only("service_type_id", "department_id", "created_at", "closed_at").first()
    if case is None:
        return
    days = {timezone.localdate(case.created_at)}
    if case.closed_at:
        days.add(timezone.localdate(case.closed_at))
    for day in days:
        recompute_day(day=day, service_type_id=case.service_type_id, department_id=case.department_id)


def recompute_day(*, day: date, service_type_id: int, department_id: int) -> CaseDailyStat:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day, time.max))
    of_type = Case.objects.filter(service_type_id=service_type_id)
    opened = of_type.filter(created_at__range=(start, end)).aggregate(n=Count("id"))["n"]
    closed = of_type.filter(closed_at__range=(start, end)).aggregate(n=Count("id"))["n"]
    stat, _ = CaseDailyStat.objects.update_or_create(
        day=day,
        service_type_id=service_type_id,
        defaults={"department_id": department_id, "opened": opened, "closed": closed},
    )
    return stat


def rebuild_all_daily_stats() -> int:
    """Recompute every (day, service type) rollup with two GROUP BY queries (idempotent)."""
    from django.db.models.functions import TruncDate

    zone = timezone.get_current_timezone()
    counts: dict[tuple[date, int], dict[str, int]] = {}
    departments: dict[int, int] = {}
    for column in ("created_at", "closed_at"):
        key = "opened" if column == "created_at" else "closed"
        grouped = (
            Case.objects.exclude(**{f"{column}__isnull": True})
            .annotate(day=TruncDate(column, tzinfo=zone))
            .values("day", "service_type_id", "department_id")
            .annotate(n=Count("id"))
        )
        for row in grouped:
            slot = counts.setdefault((row["day"], row["service_type_id"]), {"opened": 0, "closed": 0})
            slot[key] += row["n"]
            departments[row["service_type_id"]] = row["department_id"]
    stats = [
        CaseDailyStat(day=day, service_type_id=type_id, department_id=departments[type_id], **values)
        for (day, type_id), values in counts.items()
    ]
    CaseDailyStat.objects.all().delete()
    CaseDailyStat.objects.bulk_create(stats, batch_size=1000)
    return len(stats)
