"""Queues: the lists of cases staff work from (the queues work fills this in)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path

from civitas.cases.selectors import cases_page, cases_visible
from civitas.console.views._base import render_page, staff_view


@staff_view("console.use")
def home(request: HttpRequest) -> HttpResponse:
    return redirect("console:queue", queue="mine")


@staff_view("case.view")
def queue(request: HttpRequest, queue: str) -> HttpResponse:
    cases = cases_page(cases_visible(actor=request.user).filter(assignee=request.user))
    return render_page(request, "console/queues/queue.html", {"active": "queues", "cases": cases, "queue": queue})


urls = [
    path("", home, name="home"),
    path("queues/<slug:queue>/", queue, name="queue"),
]
