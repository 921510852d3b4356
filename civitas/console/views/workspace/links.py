"""Linking and merging: a search picker, then "duplicate of" / "related" / merge (with a confirm step)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civitas.cases import selectors, services
from civitas.cases.models import Case
from civitas.console.views._base import is_htmx
from civitas.console.views.workspace import forms as wf
from civitas.console.views.workspace.page import (
    add_domain_error,
    load_case,
    redirect_to_case,
    render_conflict,
    render_workspace,
    success,
    workspace_view,
)
from civitas.core.errors import NotFound, PermissionDenied, StaleVersion, ValidationError


@workspace_view("case.view", "GET")
def picker(request: HttpRequest, case: Case) -> HttpResponse:
    """Cases matching `q` (htmx: the results list only; otherwise the page with the results)."""
    query = request.GET.get("q", "").strip()
    results = selectors.cases_for_picker(actor=request.user, query=query, exclude=case)
    context = {"picker_query": query, "picker_results": results}
    if is_htmx(request):
        return render(request, "console/workspace/_picker_results.html", {"case": case, **context})
    return render_workspace(request, case, **context)


@workspace_view("case.link", "POST")
def link(request: HttpRequest, case: Case) -> HttpResponse:
    form = wf.LinkForm(request.POST, auto_id="link-%s")
    if not form.is_valid():
        return render_workspace(request, case, status=400, link_form=form, picker_query=request.POST.get("other", ""))
    data = form.cleaned_data
    try:
        other = selectors.case_get(actor=request.user, reference=data["other"])
    except NotFound:
        form.add_error("other", _("No case you can see has the reference %(ref)s.") % {"ref": data["other"]})
        return render_workspace(request, case, status=400, link_form=form)
    if data["kind"] == "merge" and not data["confirm"]:
        return render_workspace(request, case, link_form=form, merge_target=other)
    try:
        if data["kind"] == "merge":
            services.case_merge(actor=request.user, source=case, target=other, version=data["version"])
            message = _("%(source)s was merged into %(target)s.")
        else:
            services.case_link(actor=request.user, case=case, other=other, kind=data["kind"])
            message = _("%(source)s is now linked to %(target)s.")
    except StaleVersion as error:
        return render_conflict(request, case.reference, error)
    except (ValidationError, PermissionDenied) as error:
        add_domain_error(form, error)
        status = 403 if isinstance(error, PermissionDenied) else 400
        return render_workspace(request, load_case(request, case.reference), status=status, link_form=form)
    success(request, message % {"source": case.reference, "target": other.reference})
    return redirect_to_case(case, "links")
