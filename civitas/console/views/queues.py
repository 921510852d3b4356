"""Queues: the lists of cases staff work from, with filters, saved views and bulk actions.

The views parse input and render; the queue selectors (civitas.cases.queues) and the case
services (bulk, saved views) do the work and check permissions.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civitas.cases.queues import QUEUES, queue_get, queue_page, saved_views_for
from civitas.cases.services import (
    case_bulk_assign,
    case_bulk_tag,
    case_bulk_transition,
    saved_view_delete,
    saved_view_rename,
    saved_view_save,
)
from civitas.cases.services.bulk import BulkResult
from civitas.console.views._base import render_page, staff_view
from civitas.console.views._queue_forms import BulkForm, QueueChoices, QueueFilterForm
from civitas.core.errors import DomainError, ValidationError

NOT_SAVED = ("cursor", "view")


@staff_view("console.use")
def home(request: HttpRequest) -> HttpResponse:
    return redirect("console:queue", queue="mine")


def _kept_params(query: QueryDict) -> str:
    """The filters and sort of the page (what a saved view or a bulk action returns to)."""
    return urlencode([(key, value) for key, values in query.lists() if key not in NOT_SAVED for value in values])


@staff_view("case.view")
def queue(request: HttpRequest, queue: str) -> HttpResponse:
    definition = queue_get(queue)
    choices = QueueChoices.cached(actor=request.user)  # option lists shared by both forms, cached
    form = QueueFilterForm(request.GET, actor=request.user, choices=choices)
    form.is_valid()
    page = queue_page(
        actor=request.user,
        queue=queue,
        filters=form.filters(),
        sort=form.cleaned_data.get("sort", ""),
        cursor=request.GET.get("cursor", ""),
    )
    context = {
        "active": "queues",
        "queue": definition,
        "queues": QUEUES.values(),
        "form": form,
        "page": page,
        "bulk_form": BulkForm(actor=request.user, choices=choices, auto_id="bulk-%s"),
        "saved_views": list(saved_views_for(actor=request.user)),
        "current_view": request.GET.get("view", ""),
        "params": _kept_params(request.GET),
    }
    return render_page(request, "console/queues/queue.html", context, partial="console/queues/_results.html")


def _queue_url(queue: str, params: str) -> str:
    url = reverse("console:queue", args=[queue])
    return f"{url}?{params}" if params else url


def _report(request: HttpRequest, result: BulkResult) -> None:
    level = messages.WARNING if result.failed else messages.SUCCESS
    messages.add_message(request, level, result.summary())


def _run_bulk(request: HttpRequest, form: BulkForm) -> BulkResult:
    data = form.cleaned_data
    references = form.references()
    if data["action"] == "assign":
        team, assignee = data.get("team"), data.get("assignee")
        return case_bulk_assign(
            actor=request.user,
            references=references,
            team_id=team.pk if team else None,
            assignee_id=assignee.pk if assignee else None,
        )
    if data["action"] == "status":
        return case_bulk_transition(actor=request.user, references=references, to_status=data.get("status", ""))
    return case_bulk_tag(actor=request.user, references=references, tag=data.get("tag", ""))


@require_POST
@staff_view("case.view")
def bulk(request: HttpRequest, queue: str) -> HttpResponse:
    queue_get(queue)
    form = BulkForm(request.POST, actor=request.user)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            messages.error(request, f"{label}: {' '.join(errors)}")
    else:
        try:
            _report(request, _run_bulk(request, form))
        except ValidationError as error:
            messages.error(request, error.message)
    return HttpResponseRedirect(_queue_url(queue, _kept_params(QueryDict(request.POST.get("params", "")))))


@staff_view("case.view")
def saved_views(request: HttpRequest) -> HttpResponse:
    context = {"active": "queues", "queues": QUEUES, "saved_views": list(saved_views_for(actor=request.user))}
    return render_page(request, "console/queues/saved_views.html", context)


@require_POST
@staff_view("case.view")
def saved_view_create(request: HttpRequest) -> HttpResponse:
    queue = request.POST.get("queue", "")
    params = request.POST.get("params", "")
    try:
        view = saved_view_save(actor=request.user, name=request.POST.get("name", ""), queue=queue, params=params)
    except ValidationError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_queue_url(queue, params) if queue in QUEUES else reverse("console:home"))
    messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
    return HttpResponseRedirect(_queue_url(view.queue, "&".join(filter(None, [view.params, f"view={view.pk}"]))))


@require_POST
@staff_view("case.view")
def saved_view_rename_view(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        view = saved_view_rename(actor=request.user, view_id=view_id, name=request.POST.get("name", ""))
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Renamed the view to “%(name)s”.") % {"name": view.name})
    return redirect("console:saved-views")


@require_POST
@staff_view("case.view")
def saved_view_delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        saved_view_delete(actor=request.user, view_id=view_id)
    except DomainError as error:
        if error.code == "not_found":
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Deleted the view."))
    return redirect("console:saved-views")


urls = [
    path("", home, name="home"),
    path("queues/<slug:queue>/", queue, name="queue"),
    path("queues/<slug:queue>/bulk/", bulk, name="queue-bulk"),
    path("saved-views/", saved_views, name="saved-views"),
    path("saved-views/new/", saved_view_create, name="saved-view-save"),
    path("saved-views/<int:view_id>/rename/", saved_view_rename_view, name="saved-view-rename"),
    path("saved-views/<int:view_id>/delete/", saved_view_delete_view, name="saved-view-delete"),
]
