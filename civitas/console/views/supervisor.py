"""Supervisor workload: open, overdue and due-soon counts per team, person and service type; and what
residents said in the satisfaction survey over the last SATISFACTION_PERIOD_DAYS days."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from civitas.cases.queues import workload_for
from civitas.cases.satisfaction import satisfaction_summary
from civitas.console.views._base import render_page, staff_view

SATISFACTION_PERIOD_DAYS = 90


@staff_view("workload.view")
def supervisor(request: HttpRequest) -> HttpResponse:
    since = timezone.now() - timedelta(days=SATISFACTION_PERIOD_DAYS)
    context = {
        "active": "supervisor",
        "workload": workload_for(actor=request.user),
        "satisfaction": satisfaction_summary(actor=request.user, since=since),
        "satisfaction_days": SATISFACTION_PERIOD_DAYS,
    }
    return render_page(request, "console/supervisor/supervisor.html", context)


urls = [
    path("workload/", supervisor, name="supervisor"),
]
