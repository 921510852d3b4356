"""The case workspace page: loading the case, building its context, rendering it (whole or in part)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from civitas.cases import selectors
from civitas.cases.models import Case
from civitas.cases.states import REOPENABLE, CaseStatus, allowed_targets
from civitas.catalog.selectors import attributes_for
from civitas.console.views._base import is_htmx, render_page, staff_view
from civitas.console.views.workspace import forms as wf
from civitas.core.errors import DomainError, StaleVersion

TEMPLATE = "console/workspace/case.html"
FILTERS = [
    ("all", _("Everything")),
    ("public", _("Public")),
    ("internal", _("Internal")),
    ("messages", _("Messages")),
    ("changes", _("Changes")),
]


def load_case(request: HttpRequest, reference: str) -> Case:
    """The case by reference, or NotFound (also when the user may not see it)."""
    return selectors.case_get(actor=request.user, reference=reference)


CaseView = Callable[[HttpRequest, Case], HttpResponse]


def workspace_view(action: str, method: str = "GET") -> Callable[[CaseView], Callable[..., HttpResponse]]:
    """Guard a workspace route: staff check, the case looked up (404 when not visible, whatever the
    method, so existence never leaks), then the HTTP method; the view receives the case."""

    def decorate(view: CaseView) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, reference: str, **kwargs: Any) -> HttpResponse:
            case = load_case(request, reference)
            if request.method != method and not (method == "GET" and request.method == "HEAD"):
                return HttpResponseNotAllowed([method])
            return view(request, case, **kwargs)

        return staff_view(action)(wrapped)

    return decorate


def case_url(case: Case, name: str = "case", **kwargs: Any) -> str:
    route = "console:case" if name == "case" else f"console:case-{name}"
    return reverse(route, kwargs={"reference": case.reference, **kwargs})


def redirect_to_case(case: Case, anchor: str = "") -> HttpResponse:
    return HttpResponseRedirect(case_url(case) + (f"#{anchor}" if anchor else ""))


def timeline_options(request: HttpRequest) -> dict[str, Any]:
    show = request.GET.get("show", "all")
    show = show if show in selectors.TIMELINE_FILTERS else "all"
    order = "oldest" if request.GET.get("order") == "oldest" else "newest"
    return {"show": show, "order": order}


def timeline_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    options = timeline_options(request)
    entries = selectors.case_timeline_view(
        actor=request.user, case=case, show=options["show"], newest_first=options["order"] == "newest"
    )
    return {"case": case, "entries": entries, "filters": FILTERS, **options}


def default_forms(request: HttpRequest, case: Case) -> dict[str, Any]:
    version = {"version": case.version}
    return {
        "note_form": wf.NoteForm(auto_id="note-%s"),
        "status_form": wf.StatusForm(auto_id="status-%s", initial=version),
        "reopen_form": wf.ReopenForm(auto_id="reopen-%s", initial=version),
        "assign_form": assign_form(case, initial={**version, "team": case.team_id, "assignee": case.assignee_id}),
        "transfer_form": transfer_form(request, case, initial={**version, "service_type": case.service_type.code}),
        "triage_form": wf.TriageForm(
            auto_id="triage-%s",
            initial={**version, "priority": case.priority, "tags": ", ".join(t.name for t in case.tags.all())},
        ),
        "details_form": details_form(case, initial=details_initial(case)),
        "attachment_form": wf.AttachmentForm(auto_id="attach-%s"),
    }


def assign_form(case: Case, data: Any = None, initial: Any = None) -> wf.AssignForm:
    return wf.AssignForm(
        data,
        initial=initial,
        auto_id="assign-%s",
        teams=selectors.case_teams(case=case),
        people=selectors.case_assignable_people(case=case),
    )


def transfer_form(request: HttpRequest, case: Case, data: Any = None, initial: Any = None) -> wf.TransferForm:
    types = selectors.service_types_for_transfer(actor=request.user)
    return wf.TransferForm(data, initial=initial, auto_id="transfer-%s", service_types=types)


def details_form(case: Case, data: Any = None, initial: Any = None) -> wf.DetailsForm:
    return wf.DetailsForm(data, initial=initial, auto_id="details-%s", attributes=attributes_for(case.service_type))


def details_initial(case: Case) -> dict[str, Any]:
    answers = {wf.attribute_field_name(code): value for code, value in (case.attributes or {}).items()}
    fields = {name: getattr(case, name) for name in ("title", "description", "address", "lat", "long")}
    return {"version": case.version, **fields, **answers}


def workspace_context(request: HttpRequest, case: Case, **overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "active": "workspace",
        "case": case,
        "tags": [tag.name for tag in case.tags.all()],
        "targets": [(value, CaseStatus(value).label) for value in allowed_targets(case.status)],
        "can_reopen": case.status in REOPENABLE and not case.merged_into_id,
        "attachments": selectors.case_attachments(actor=request.user, case=case),
        "links": selectors.case_links_view(actor=request.user, case=case),
        "merged_into": case.merged_into if case.merged_into_id else None,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "picker_query": "",
        "picker_results": None,
        "requester": None,
        "requester_cases": [],
        "person_url": None,
        **timeline_context(request, case),
        **default_forms(request, case),
    }
    context.update(overrides)
    return context


def render_workspace(
    request: HttpRequest, case: Case, *, status: int = 200, partial: str | None = None, **overrides: Any
) -> HttpResponse:
    return render_page(request, TEMPLATE, workspace_context(request, case, **overrides), partial=partial, status=status)


def person_url(person_id: int) -> str | None:
    """The person 360° page, when that part of the console is installed."""
    try:
        return reverse("console:person", kwargs={"pk": person_id})
    except NoReverseMatch:
        return None


# --- errors -------------------------------------------------------------------------------------


def add_domain_error(form: Any, error: DomainError) -> None:
    """Put a service's error on the field it names (the attribute's own field), else on the form."""
    problems = getattr(error, "errors", None) or [(error.field, error.message)]
    for field, message in problems:
        name = field_for(form, field)
        form.add_error(name, message)


def field_for(form: Any, field: str | None) -> str | None:
    if field and field.startswith("attribute[") and field.endswith("]"):
        field = wf.attribute_field_name(field[len("attribute[") : -1])
    aliases = {"other": "other", "target": "other", "source": "other", "file": "file", "body": "body"}
    field = aliases.get(field or "", field)
    return field if field in form.fields and field != "version" else None


def render_conflict(request: HttpRequest, reference: str, error: StaleVersion) -> HttpResponse:
    """The latest state of the case with a clear conflict message (HTTP 409); nothing was saved."""
    case = load_case(request, reference)
    editor = selectors.case_last_editor(actor=request.user, case=case)
    who = str(editor) if editor is not None else _("someone else")
    message = _(
        "%(reference)s was changed by %(who)s while you were editing (it is now version %(version)s). "
        "Your change was not saved. The page below shows the latest state: reload it, check, and make "
        "your change again."
    ) % {"reference": case.reference, "who": who, "version": error.current_version}
    response = render_workspace(request, case, status=409, conflict=message, partial=None)
    if is_htmx(request):  # swap the whole page body in place of the form's target
        response["HX-Retarget"] = "#main-content"
        response["HX-Reselect"] = "#main-content"
        response["HX-Reswap"] = "outerHTML"
    return response


def success(request: HttpRequest, message: str) -> None:
    messages.success(request, message)
