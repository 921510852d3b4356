"""Personal access tokens for the REST API: list mine, create one (the secret shown once), revoke one.

The rules live in civitas.integrations.keys (audited). The secret is rendered on the answer to the
create POST only — never stored, logged, put in a URL or a session — and that page is sent `no-store`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from civitas.console.views._base import render_page, staff_view
from civitas.core.errors import NotFound, ValidationError
from civitas.integrations.keys import api_key_issue, api_key_revoke, api_keys_for_owner, token_departments
from civitas.integrations.models import KeyKind

READ, WRITE = "read", "write"


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[(READ, _("Read only")), (WRITE, _("Read and write"))],
        initial=READ,
        widget=forms.RadioSelect,
    )
    departments = forms.TypedMultipleChoiceField(label=_("Departments"), coerce=int, required=False)
    expires_on = forms.DateField(label=_("Expires on"), required=False)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["departments"]
        field.choices = [(d.pk, d.name) for d in departments]

    def clean_expires_on(self) -> date | None:
        value: date | None = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later date."))
        return value


def expiry_time(value: date | None) -> datetime | None:
    """A token that expires "on" a date works until the end of that day (local time)."""
    if value is None:
        return None
    return timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min))


def list_context(request: HttpRequest, form: TokenForm) -> dict[str, Any]:
    return {
        "active": "account",
        "form": form,
        "tokens": api_keys_for_owner(actor=request.user, kind=KeyKind.PERSONAL),
        "now": timezone.now(),
    }


@never_cache
@staff_view("api.token")
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(departments=token_departments(actor=request.user))
    return render_page(request, "console/tokens/tokens.html", list_context(request, form))


@require_POST
@staff_view("api.token")
@sensitive_variables("issued")
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST, departments=token_departments(actor=request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = api_key_issue(
                actor=request.user,
                kind=KeyKind.PERSONAL,
                name=data["name"],
                can_write=data["access"] == WRITE,
                department_ids=data["departments"],
                expires_at=expiry_time(data["expires_on"]),
            )
        except ValidationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            response = render_page(request, "console/tokens/created.html", {"active": "account", "issued": issued})
            response["Cache-Control"] = "no-store"
            return response
    return render_page(request, "console/tokens/tokens.html", list_context(request, form), status=400)


def own_token(request: HttpRequest, token_id: int) -> Any:
    for key in api_keys_for_owner(actor=request.user, kind=KeyKind.PERSONAL):
        if key.pk == token_id:
            return key
    raise NotFound("Not found.")


@require_http_methods(["GET", "POST"])
@staff_view("api.token")
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = own_token(request, token_id)
    if request.method == "POST":
        api_key_revoke(actor=request.user, key_id=token.pk)
        messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
        return redirect("console:tokens")
    return render_page(request, "console/tokens/revoke.html", {"active": "account", "token": token})


urls = [
    path("account/tokens/", tokens, name="tokens"),
    path("account/tokens/new/", token_create, name="token-create"),
    path("account/tokens/<int:token_id>/revoke/", token_revoke, name="token-revoke"),
]
