"""Portal: track a request — by the private link, or by reference + the email or phone used; follow / unfollow.

The tracking token in the URL is a secret: every page that carries it answers with
`Referrer-Policy: strict-origin` (the origin only, never the path), `Cache-Control: private, no-store`
and `X-Robots-Tag: noindex`, and it is never logged. A wrong reference or contact gets one message
that does not say whether the reference exists.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from civitas.cases.models import Case
from civitas.cases.services import case_unfollow
from civitas.cases.services.lifecycle import case_follow_by_contact
from civitas.cases.tracking import (
    CONTACT_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
    case_by_token,
    case_for_resident,
    persons_with_contact,
    tracking_view,
)
from civitas.core.errors import DomainError, NotFound
from civitas.people.models import Person
from civitas.people.normalise import guess_contact
from civitas.portal.views._base import client_ip, resident_id

# The token must never leave in a Referer header. "no-referrer" would do that too, but then Chromium sends
# `Origin: null` with the page's own form posts (Fetch: a POST's origin is serialised as null under
# no-referrer) and Django's CSRF check refuses them. "strict-origin" sends only the origin, never the path.
SECRET_PAGE_HEADERS = {
    "Referrer-Policy": "strict-origin",
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
}
NO_MATCH = gettext_lazy(
    "We could not find a request with that reference and email or phone. Check both and try again, "
    "or use the link in the message we sent you."
)
CONTACT_INVALID = gettext_lazy("Enter an email address, like name@example.com, or a phone number, like 617-555-0123.")


def secret_page(response: HttpResponse) -> HttpResponse:
    """Headers for a page whose URL holds a tracking token."""
    for header, value in SECRET_PAGE_HEADERS.items():
        response[header] = value
    # Django's request logger writes the path of every 4xx answer ("Bad Request: /track/<token>/follow/"):
    # the path holds the secret, so these answers are marked as logged already.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    """The plain 404 page for a tracking link that matches nothing (also for a garbled one)."""
    return secret_page(render(request, "portal/track/not_found.html", status=404))


def _rate_key(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def rate_limited(request: HttpRequest, group: str) -> bool:
    """Count this request against the per-address limit; True when over it."""
    return is_ratelimited(
        request, group=group, key=_rate_key, rate=settings.PORTAL_TRACK_RATE_IP, method=["POST"], increment=True
    )


def too_many(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The form again with its values, status 429 and a plain explanation."""
    context["rate_limited"] = True
    return secret_page(render(request, template, context, status=429))


def clean_contact_value(value: str) -> str:
    """A typed email or phone, trimmed; a form error unless it looks like one."""
    value = value.strip()
    if guess_contact(value) is None:
        raise forms.ValidationError(CONTACT_INVALID)
    return value


class TrackForm(forms.Form):
    reference = forms.CharField(
        max_length=REFERENCE_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Enter the reference of your request, like SR-2026-000123."),
            "max_length": gettext_lazy("The reference is too long. It looks like SR-2026-000123."),
        },
    )
    contact = forms.CharField(
        max_length=CONTACT_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Enter the email address or phone number you gave us."),
            "max_length": gettext_lazy("This is too long for an email address or phone number."),
        },
    )

    def clean_contact(self) -> str:
        return clean_contact_value(self.cleaned_data["contact"])


class ContactForm(forms.Form):
    """The email or phone of someone to tell about updates (follow) or to stop telling (unfollow)."""

    contact = forms.CharField(
        max_length=CONTACT_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Enter an email address or phone number."),
            "max_length": gettext_lazy("This is too long for an email address or phone number."),
        },
    )

    def clean_contact(self) -> str:
        return clean_contact_value(self.cleaned_data["contact"])


def form_errors(form: forms.Form, prefix: str = "") -> list[tuple[str, str]]:
    """(field id, message) pairs for the error summary, in the order of the fields."""
    errors = []
    for name in form.fields:
        for message in form.errors.get(name, []):
            errors.append((f"{prefix}{name}", str(message)))
    return errors


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """The "find your request" form: reference + the email or phone used when reporting."""
    if request.method != "POST":
        return render(request, "portal/track/find.html", {"form": TrackForm(), "errors": []})
    form = TrackForm(request.POST)
    context: dict[str, Any] = {"form": form, "errors": []}
    if rate_limited(request, "portal-track"):
        return too_many(request, "portal/track/find.html", context)
    if form.is_valid():
        case = case_for_resident(form.cleaned_data["reference"], form.cleaned_data["contact"])
        if case is not None:
            return secret_page(redirect("portal:track-case", token=case.tracking_token))
        context["no_match"] = NO_MATCH
        context["errors"] = [("reference", str(NO_MATCH))]
    else:
        context["errors"] = form_errors(form)
    return render(request, "portal/track/find.html", context, status=200 if form.is_valid() else 400)


def _resident_role(request: HttpRequest, case: Case) -> str:
    """ "requester", "follower" or "" for the resident signed in on this session."""
    person_id = resident_id(request)
    if person_id is None:
        return ""
    if case.requester_id == person_id:
        return "requester"
    if case.follower_links.filter(person_id=person_id).exists():
        return "follower"
    return ""


def _page(request: HttpRequest, case: Case, *, follow_form: ContactForm, unfollow_form: ContactForm, **extra: Any):
    errors = form_errors(follow_form, "follow-") + form_errors(unfollow_form, "unfollow-")
    context = {
        "view": tracking_view(case),
        "token": case.tracking_token,
        "follow_form": follow_form,
        "unfollow_form": unfollow_form,
        "errors": errors,
        "resident_role": _resident_role(request, case),
        "satisfaction_url": reverse("portal:satisfaction", kwargs={"token": case.tracking_token}),
        **extra,
    }
    return context


@require_http_methods(["GET", "HEAD"])
def track_case(request: HttpRequest, token: str) -> HttpResponse:
    """The private tracking page."""
    try:
        case = case_by_token(token)
    except NotFound:
        return not_found(request)
    context = _page(
        request, case, follow_form=ContactForm(prefix="follow"), unfollow_form=ContactForm(prefix="unfollow")
    )
    return secret_page(render(request, "portal/track/case.html", context))


@require_POST
def track_follow(request: HttpRequest, token: str) -> HttpResponse:
    """Someone with the link asks to be told about updates: found or created by their contact, then followed."""
    try:
        case = case_by_token(token)
    except NotFound:
        return not_found(request)
    form = ContactForm(request.POST, prefix="follow")
    unfollow_form = ContactForm(prefix="unfollow")
    if rate_limited(request, "portal-track-follow"):
        context = _page(request, case, follow_form=form, unfollow_form=unfollow_form)
        return too_many(request, "portal/track/case.html", context)
    signed_in = resident_id(request)
    as_me = request.POST.get("who") == "me" and signed_in is not None
    if case.merged_into_id or not (as_me or form.is_valid()):
        context = _page(request, case, follow_form=form, unfollow_form=unfollow_form)
        return secret_page(render(request, "portal/track/case.html", context, status=400))
    try:
        if as_me:
            case_follow_by_contact(actor=None, case=case, person=Person.objects.get(pk=signed_in))
        else:
            kind, value = guess_contact(form.cleaned_data["contact"]) or ("", "")
            case_follow_by_contact(actor=None, case=case, **{kind: value})
    except (DomainError, Person.DoesNotExist) as exc:
        form.add_error("contact", getattr(exc, "message", _("We could not add you. Please try again.")))
        context = _page(request, case, follow_form=form, unfollow_form=unfollow_form)
        return secret_page(render(request, "portal/track/case.html", context, status=400))
    messages.success(request, _("Thank you. We will tell you when there is news about this request."))
    return secret_page(redirect("portal:track-case", token=case.tracking_token))


@require_POST
def track_unfollow(request: HttpRequest, token: str) -> HttpResponse:
    """Stop updates: for the signed-in resident, or for the email or phone typed.

    The answer is the same whether or not that contact was following, so the page does not tell who follows.
    """
    try:
        case = case_by_token(token)
    except NotFound:
        return not_found(request)
    form = ContactForm(request.POST, prefix="unfollow")
    follow_form = ContactForm(prefix="follow")
    if rate_limited(request, "portal-track-follow"):
        context = _page(request, case, follow_form=follow_form, unfollow_form=form)
        return too_many(request, "portal/track/case.html", context)
    signed_in = resident_id(request)
    if request.POST.get("who") == "me" and signed_in is not None:
        person_ids = [signed_in]
    elif form.is_valid():
        person_ids = persons_with_contact(form.cleaned_data["contact"])
    else:
        context = _page(request, case, follow_form=follow_form, unfollow_form=form)
        return secret_page(render(request, "portal/track/case.html", context, status=400))
    for person in Person.objects.filter(pk__in=person_ids, is_active=True):
        case_unfollow(actor=None, case=case, person=person)
    messages.success(
        request,
        _(
            "If that email or phone was getting updates about this request, it will not get them any more. "
            "If you made this request yourself, we will still tell you when it is done."
        ),
    )
    return secret_page(redirect("portal:track-case", token=case.tracking_token))


urls = [
    path("track/", track, name="track"),
    path("track/<str:token>/", track_case, name="track-case"),
    path("track/<str:token>/follow/", track_follow, name="track-follow"),
    path("track/<str:token>/unfollow/", track_unfollow, name="track-unfollow"),
]
