"""Console: workspace (its work fills this in)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from civitas.console.views._base import render_page, staff_view


@staff_view("case.view")
def case(request: HttpRequest, reference: str) -> HttpResponse:
    return render_page(request, "console/workspace/case.html", {"active": "workspace"})


urls = [
    path("cases/<str:reference>/", case, name="case"),
]
