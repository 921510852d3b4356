"""Console: people (its work fills this in)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from civitas.console.views._base import render_page, staff_view


@staff_view("person.view")
def people(request: HttpRequest) -> HttpResponse:
    return render_page(request, "console/people/people.html", {"active": "people"})


urls = [
    path("people/", people, name="people"),
]
