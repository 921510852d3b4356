"""Console: supervisor (its work fills this in)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from civitas.console.views._base import render_page, staff_view


@staff_view("workload.view")
def supervisor(request: HttpRequest) -> HttpResponse:
    return render_page(request, "console/supervisor/supervisor.html", {"active": "supervisor"})


urls = [
    path("workload/", supervisor, name="supervisor"),
]
