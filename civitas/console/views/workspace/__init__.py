"""Console: the case workspace at /console/cases/<reference>/ (issue 3 §4).

`page` builds and renders the page, `edits` changes the case, `files` handles attachments and
`links` the link/merge picker. Every route is in ROUTE_RULES ("console: case workspace").
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from civitas.cases import selectors
from civitas.cases.models import Case
from civitas.console.views._base import is_htmx
from civitas.console.views.workspace import edits, files, links
from civitas.console.views.workspace.page import (
    person_url,
    render_workspace,
    timeline_context,
    workspace_view,
)


@workspace_view("case.view", "GET")
def case(request: HttpRequest, case: Case) -> HttpResponse:
    return render_workspace(request, case)


@workspace_view("case.view", "GET")
def timeline(request: HttpRequest, case: Case) -> HttpResponse:
    """The timeline with a filter and order (htmx: the list only; otherwise the whole page)."""
    if is_htmx(request):
        return render(request, "console/workspace/_timeline.html", timeline_context(request, case))
    return render_workspace(request, case)


@workspace_view("case.view", "GET")
def requester(request: HttpRequest, case: Case) -> HttpResponse:
    """Open the requester panel: their details (masked unless person.view) and other cases. Records the read."""
    context = {
        "requester": selectors.case_requester(actor=request.user, case=case, purpose="case_work"),
        "requester_cases": selectors.cases_of_requester(actor=request.user, case=case),
        "requester_open": True,
        "person_url": person_url(case.requester_id) if case.requester_id else None,
    }
    if is_htmx(request):
        return render(request, "console/workspace/_requester.html", {"case": case, **context})
    return render_workspace(request, case, **context)


urls = [
    path("cases/<str:reference>/", case, name="case"),
    path("cases/<str:reference>/timeline/", timeline, name="case-timeline"),
    path("cases/<str:reference>/requester/", requester, name="case-requester"),
    path("cases/<str:reference>/notes/", edits.note, name="case-note"),
    path("cases/<str:reference>/status/", edits.status, name="case-status"),
    path("cases/<str:reference>/reopen/", edits.reopen, name="case-reopen"),
    path("cases/<str:reference>/assign/", edits.assign, name="case-assign"),
    path("cases/<str:reference>/transfer/", edits.transfer, name="case-transfer"),
    path("cases/<str:reference>/triage/", edits.triage, name="case-triage"),
    path("cases/<str:reference>/details/", edits.details, name="case-details"),
    path("cases/<str:reference>/attachments/", files.attach, name="case-attach"),
    path("cases/<str:reference>/attachments/<int:pk>/", files.download, name="case-attachment"),
    path("cases/<str:reference>/links/", links.picker, name="case-picker"),
    path("cases/<str:reference>/links/new/", links.link, name="case-link"),
]
