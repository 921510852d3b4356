"""Console: one search box for references, words in case text, and people (issue 3 §3, ADR 0008).

A query shaped like a reference that names a case the user may see goes straight to the case.
Otherwise the page lists matching cases (ranked, highlighted) and, for staff who may view people,
matching people and their cases. "More results" pages by offset up to search.MAX_RESULTS; with
htmx it appends the next page in place, without JavaScript it is an ordinary link.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path

from civitas.console.views._base import render_page, staff_view
from civitas.search.search import (
    MAX_QUERY_LENGTH,
    case_by_reference,
    cases_of_people,
    people_matching,
    search_cases,
)


def _offset(request: HttpRequest) -> int:
    raw = request.GET.get("offset", "")
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


@staff_view("case.view")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    offset = _offset(request)
    context: dict = {"active": "search", "search_query": query, "query": query, "page": None}
    if query and offset == 0:
        found = case_by_reference(actor=request.user, query=query)
        if found is not None:
            return redirect("console:case", reference=found.reference)
    if query:
        context["page"] = search_cases(actor=request.user, query=query, offset=offset)
    if query and offset == 0:
        people = people_matching(actor=request.user, query=query)
        context["people"] = people
        context["people_cases"] = cases_of_people(actor=request.user, people=people)
    return render_page(request, "console/search/search.html", context, partial="console/search/_hits.html")


urls = [
    path("search/", search, name="search"),
]
