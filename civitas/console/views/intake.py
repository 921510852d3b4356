"""Console: intake (its work fills this in)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from civitas.console.views._base import render_page, staff_view


@staff_view("case.create")
def intake(request: HttpRequest) -> HttpResponse:
    return render_page(request, "console/intake/intake.html", {"active": "intake"})


urls = [
    path("new/", intake, name="intake"),
]
