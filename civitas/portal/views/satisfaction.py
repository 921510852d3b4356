"""Portal: the satisfaction survey after a request is done (link in the "resolved" message).

`satisfaction/<token>/` — token is the case's tracking token (a secret: same headers as the tracking
page). GET shows the form (or the saved answer and until when it can be changed); POST saves it
through cases.services.satisfaction.satisfaction_record.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from civitas.cases.models import Case, SatisfactionResponse
from civitas.cases.services.satisfaction import MAX_COMMENT, satisfaction_edit_until, satisfaction_record
from civitas.cases.states import CLOSED_STATUSES
from civitas.cases.tracking import case_by_token, status_words
from civitas.core.errors import NotFound, ValidationError
from civitas.portal.views.track import form_errors, not_found, secret_page

RATING_WORDS = [
    ("1", gettext_lazy("1 – Very poor")),
    ("2", gettext_lazy("2 – Poor")),
    ("3", gettext_lazy("3 – OK")),
    ("4", gettext_lazy("4 – Good")),
    ("5", gettext_lazy("5 – Very good")),
]
FIXED_CHOICES = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class SatisfactionForm(forms.Form):
    """Reads the posted values as typed; the service decides what is valid (messages name the field)."""

    fixed = forms.CharField(required=False)
    rating = forms.CharField(required=False, max_length=8)
    comment = forms.CharField(required=False, widget=forms.Textarea, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        fixed = (data.get("fixed") or "").strip()
        if fixed not in ("", "yes", "no"):
            self.add_error("fixed", _("Choose yes or no."))
        comment = data.get("comment") or ""
        if len(comment.strip()) > MAX_COMMENT:
            self.add_error(
                "comment",
                _("Your comment is too long (%(count)s characters). Keep it to %(max)s characters.")
                % {"count": len(comment.strip()), "max": MAX_COMMENT},
            )
        if not fixed and not (data.get("rating") or "").strip() and not comment.strip():
            self.add_error("fixed", _("Answer at least one question before you send."))
        return data

    @property
    def fixed_value(self) -> bool | None:
        return {"yes": True, "no": False}.get((self.cleaned_data.get("fixed") or "").strip())


def _initial(response: SatisfactionResponse | None) -> dict[str, str]:
    if response is None:
        return {}
    fixed = {True: "yes", False: "no"}.get(response.fixed, "")  # type: ignore[arg-type]
    return {"fixed": fixed, "rating": str(response.rating or ""), "comment": response.comment}


def _context(case: Case, form: SatisfactionForm, response: SatisfactionResponse | None) -> dict[str, Any]:
    edit_until = satisfaction_edit_until(response) if response is not None else None
    values = form.data if form.is_bound else form.initial
    return {
        "case": case,
        "service_name": case.service_type.name,
        "status_headline": status_words(case.status)[0],
        "token": case.tracking_token,
        "form": form,
        "values": values,
        "errors": form_errors(form),
        "response": response,
        "edit_until": edit_until,
        "can_answer": _can_answer(case, response),
        "is_done": case.status in CLOSED_STATUSES and not case.merged_into_id,
        "rating_words": RATING_WORDS,
        "fixed_choices": FIXED_CHOICES,
        "max_comment": MAX_COMMENT,
    }


def _can_answer(case: Case, response: SatisfactionResponse | None) -> bool:
    if case.status not in CLOSED_STATUSES or case.merged_into_id:
        return False
    return response is None or timezone.now() <= satisfaction_edit_until(response)


@require_http_methods(["GET", "HEAD", "POST"])
def satisfaction(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = case_by_token(token)
    except NotFound:
        return not_found(request)
    response = SatisfactionResponse.objects.filter(case_id=case.pk).first()
    if request.method != "POST":
        form = SatisfactionForm(initial=_initial(response))
        return secret_page(render(request, "portal/satisfaction/form.html", _context(case, form, response)))
    form = SatisfactionForm(request.POST)
    if not _can_answer(case, response):
        return secret_page(render(request, "portal/satisfaction/form.html", _context(case, form, response), status=400))
    if form.is_valid():
        try:
            satisfaction_record(
                case=case,
                fixed=form.fixed_value,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                actor=None,
            )
        except ValidationError as exc:
            form.add_error(exc.field if exc.field in form.fields else "fixed", exc.message)
        else:
            messages.success(request, _("Thank you. We have saved your answer."))
            return secret_page(redirect("portal:satisfaction", token=case.tracking_token))
    return secret_page(render(request, "portal/satisfaction/form.html", _context(case, form, response), status=400))


urls = [
    path("satisfaction/<str:token>/", satisfaction, name="satisfaction"),
]
