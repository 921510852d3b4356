"""Reading residents' satisfaction answers: a summary scoped in SQL to the actor's departments.

This is what "answers feed the insight area" means until an insight app exists: the console's
supervisor page shows the summary (responses, share fixed, mean rating, per service type).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from civitas.accounts.permissions import ALL, departments_for
from civitas.cases.models import SatisfactionResponse


def satisfaction_responses(*, actor: Any, since: datetime | None = None, action: str = "workload.view") -> QuerySet:
    """Answers on cases of the departments where `actor` may take `action` (default: supervisors' view)."""
    allowed = departments_for(actor, action)
    qs = SatisfactionResponse.objects.all()
    if allowed is not ALL:
        qs = qs.filter(case__department_id__in=allowed)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs


def satisfaction_summary(*, actor: Any, since: datetime | None = None, action: str = "workload.view") -> dict:
    """{"responses", "rated", "fixed_share", "mean_rating", "since", "service_types": [...]}: one GROUP BY query.

    `fixed_share` is the share of "yes" among those who answered the question (None when nobody did);
    `mean_rating` is over the answers with a rating (None when none). The totals add up the rows.
    """
    qs = satisfaction_responses(actor=actor, since=since, action=action)
    rows = list(
        qs.values("case__service_type_id", "case__service_type__name")
        .annotate(**_measures())
        .order_by("case__service_type__name", "case__service_type_id")
    )
    totals = {name: sum(row[name] or 0 for row in rows) for name in ("n", "n_fixed", "n_answered_fixed", "n_rated")}
    rating_sum = sum((row["mean"] or 0) * row["n_rated"] for row in rows)
    totals["mean"] = rating_sum / totals["n_rated"] if totals["n_rated"] else None
    return {
        **_figures(totals),
        "since": since,
        "service_types": [
            {"service_type_id": row["case__service_type_id"], "name": row["case__service_type__name"], **_figures(row)}
            for row in rows
        ],
    }


def _measures() -> dict[str, Any]:
    return {
        "n": Count("id"),
        "n_fixed": Count("id", filter=Q(fixed=True)),
        "n_answered_fixed": Count("id", filter=Q(fixed__isnull=False)),
        "n_rated": Count("id", filter=Q(rating__isnull=False)),
        "mean": Avg("rating"),
    }


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    answered = row["n_answered_fixed"] or 0
    mean = row["mean"]
    return {
        "responses": row["n"] or 0,
        "rated": row["n_rated"] or 0,
        "fixed_share": (row["n_fixed"] / answered) if answered else None,
        "mean_rating": round(float(mean), 2) if mean is not None else None,
    }
