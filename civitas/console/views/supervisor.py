"""Supervisor workload: open, overdue and due-soon counts per team, person and service type."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from civitas.cases.queues import workload_for
from civitas.console.views._base import render_page, staff_view


@staff_view("workload.view")
def supervisor(request: HttpRequest) -> HttpResponse:
    context = {"active": "supervisor", "workload": workload_for(actor=request.user)}
    return render_page(request, "console/supervisor/supervisor.html", context)


urls = [
    path("workload/", supervisor, name="supervisor"),
]
