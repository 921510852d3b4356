"""Console: search (its work fills this in)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from civitas.console.views._base import render_page, staff_view


@staff_view("case.view")
def search(request: HttpRequest) -> HttpResponse:
    return render_page(request, "console/search/search.html", {"active": "search"})


urls = [
    path("search/", search, name="search"),
]
