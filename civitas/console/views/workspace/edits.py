"""Changing a case from the workspace: notes, status, reopen, assignment, transfer, triage, details.

Each view parses its form and calls one service. Domain errors become form errors (400), a stale
version the conflict page (409); success redirects back to the case (PRG) or, for htmx, returns the
refreshed part of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from civitas.cases import selectors, services
from civitas.cases.models import Case
from civitas.cases.services.tags import clean_tag
from civitas.console.views._base import is_htmx
from civitas.console.views.workspace import forms as wf
from civitas.console.views.workspace.page import (
    add_domain_error,
    assign_form,
    details_form,
    load_case,
    redirect_to_case,
    render_conflict,
    render_workspace,
    success,
    timeline_context,
    transfer_form,
    workspace_view,
)
from civitas.core.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationError

FORM_ERRORS = (ValidationError, InvalidTransition, PermissionDenied)


def run_edit(
    request: HttpRequest,
    case: Case,
    *,
    form: Any,
    form_key: str,
    action: Callable[[dict[str, Any]], Any],
    message: str,
    anchor: str = "",
) -> HttpResponse:
    """Validate `form`, run `action` (one service call), and answer: redirect, form errors or conflict."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except StaleVersion as error:
            return render_conflict(request, case.reference, error)
        except FORM_ERRORS as error:
            add_domain_error(form, error)
            status = 403 if isinstance(error, PermissionDenied) else 400
            return render_workspace(request, load_case(request, case.reference), status=status, **{form_key: form})
        success(request, message)
        return redirect_to_case(case, anchor)
    return render_workspace(request, case, status=400, **{form_key: form})


@workspace_view("case.note", "POST")
def note(request: HttpRequest, case: Case) -> HttpResponse:
    """Post an internal note or a public reply. htmx gets the refreshed composer and timeline."""
    form = wf.NoteForm(request.POST, auto_id="note-%s")
    if form.is_valid():
        try:
            services.case_add_note(actor=request.user, case=case, body=form.cleaned_data["body"], public=form.is_public)
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            notice = _("Public reply saved. Queued to the resident.") if form.is_public else _("Internal note saved.")
            if is_htmx(request):
                return activity(request, case, wf.NoteForm(auto_id="note-%s"), notice=notice)
            success(request, notice)
            return redirect_to_case(case, "case-activity")
    if is_htmx(request):
        return activity(request, case, form, status=400)
    return render_workspace(request, case, status=400, note_form=form)


def activity(
    request: HttpRequest, case: Case, form: wf.NoteForm, *, notice: str = "", status: int = 200
) -> HttpResponse:
    context = {"case": case, "note_form": form, "notice": notice, **timeline_context(request, case)}
    return render(request, "console/workspace/_activity.html", context, status=status)


@workspace_view("case.transition", "POST")
def status(request: HttpRequest, case: Case) -> HttpResponse:
    form = wf.StatusForm(request.POST, auto_id="status-%s")

    def action(data: dict[str, Any]) -> Any:
        return services.case_transition(
            actor=request.user, case=case, to_status=data["status"], version=data["version"], note=data["note"]
        )

    return run_edit(
        request, case, form=form, form_key="status_form", action=action, message=_("Status changed."), anchor="status"
    )


@workspace_view("case.reopen", "POST")
def reopen(request: HttpRequest, case: Case) -> HttpResponse:
    form = wf.ReopenForm(request.POST, auto_id="reopen-%s")

    def action(data: dict[str, Any]) -> Any:
        return services.case_reopen(actor=request.user, case=case, reason=data["reason"], version=data["version"])

    return run_edit(
        request, case, form=form, form_key="reopen_form", action=action, message=_("Case reopened."), anchor="status"
    )


@workspace_view("case.assign", "POST")
def assign(request: HttpRequest, case: Case) -> HttpResponse:
    form = assign_form(case, data=request.POST)

    def action(data: dict[str, Any]) -> Any:
        teams = {team.pk: team for team in selectors.case_teams(case=case)}
        people = {user.pk: user for user in selectors.case_assignable_people(case=case)}
        return services.case_assign(
            actor=request.user,
            case=case,
            team=teams.get(data["team"]) if data["team"] else None,
            assignee=people.get(data["assignee"]) if data["assignee"] else None,
            version=data["version"],
        )

    return run_edit(
        request, case, form=form, form_key="assign_form", action=action, message=_("Assignment saved."), anchor="assign"
    )


@workspace_view("case.update", "POST")
def transfer(request: HttpRequest, case: Case) -> HttpResponse:
    form = transfer_form(request, case, data=request.POST)

    def action(data: dict[str, Any]) -> Any:
        return services.case_update(
            actor=request.user, case=case, version=data["version"], service_type=data["service_type"]
        )

    done = run_edit(
        request,
        case,
        form=form,
        form_key="transfer_form",
        action=action,
        message=_("Service type changed."),
        anchor="assign",
    )
    return _after_transfer(request, case, done)


def _after_transfer(request: HttpRequest, case: Case, response: HttpResponse) -> HttpResponse:
    """A case moved to a department the user cannot see: go to the queues instead of a 404."""
    if response.status_code == 302 and not selectors.cases_visible(actor=request.user).filter(pk=case.pk).exists():
        response["Location"] = reverse("console:home")
    return response


@workspace_view("case.update", "POST")
def triage(request: HttpRequest, case: Case) -> HttpResponse:
    """Priority (versioned) and tags together."""
    form = wf.TriageForm(request.POST, auto_id="triage-%s")

    def action(data: dict[str, Any]) -> Any:
        wanted = {clean_tag(name) for name in form.tag_names()}  # refuse a bad tag before saving anything
        updated = services.case_update(
            actor=request.user, case=case, version=data["version"], priority=data["priority"]
        )
        before = {tag.name for tag in case.tags.all()}
        return services.case_tag(actor=request.user, case=updated, add=wanted - before, remove=before - wanted)

    return run_edit(
        request,
        case,
        form=form,
        form_key="triage_form",
        action=action,
        message=_("Priority and tags saved."),
        anchor="triage",
    )


@workspace_view("case.update", "POST")
def details(request: HttpRequest, case: Case) -> HttpResponse:
    form = details_form(case, data=request.POST)

    def action(data: dict[str, Any]) -> Any:
        changes = {name: data[name] for name in ("title", "description", "address")}
        changes.update(lat=data["lat"], long=data["long"], attributes=form.attribute_answers())
        return services.case_update(actor=request.user, case=case, version=data["version"], **changes)

    return run_edit(
        request,
        case,
        form=form,
        form_key="details_form",
        action=action,
        message=_("Details saved."),
        anchor="details",
    )
