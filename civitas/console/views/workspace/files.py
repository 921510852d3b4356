"""Attachments: upload through the service, download through a view that checks the case is visible."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from civitas.cases import selectors, services
from civitas.cases.models import Case
from civitas.console.views.workspace import forms as wf
from civitas.console.views.workspace.page import (
    add_domain_error,
    redirect_to_case,
    render_workspace,
    success,
    workspace_view,
)
from civitas.core.errors import ValidationError


@workspace_view("case.attach", "POST")
def attach(request: HttpRequest, case: Case) -> HttpResponse:
    form = wf.AttachmentForm(request.POST, request.FILES, auto_id="attach-%s")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.case_add_attachment(
                actor=request.user, case=case, upload=upload, name=upload.name, public=form.cleaned_data["public"]
            )
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            success(request, _("File attached."))
            return redirect_to_case(case, "attachments")
    return render_workspace(request, case, status=400, attachment_form=form)


@workspace_view("case.view", "GET")
def download(request: HttpRequest, case: Case, pk: int) -> HttpResponse:
    """The file itself, always as a download, never sniffed into something the browser would run."""
    attachment = selectors.case_attachment_get(actor=request.user, case=case, attachment_id=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
