"""Portal: resident accounts — sign in by an emailed link, my requests, profile with consent, delete.

Views parse the form, call one service or selector in `civitas.people.residents`, and render. The
signed-in resident is the Person id in the session (RESIDENT_SESSION_KEY), set only by redeeming a
link; sign-out flushes the session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, Resolver404, URLPattern, path, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from civitas.core.choices import Language
from civitas.core.errors import ValidationError
from civitas.people.models import ConsentPurpose, Person, PreferredChannel
from civitas.people.normalise import normalise_email
from civitas.people.residents import (
    SignInLinkInvalid,
    resident_cases,
    resident_details_delete,
    resident_person,
    resident_profile,
    resident_profile_save,
    sign_in_link_check,
    sign_in_link_redeem,
    sign_in_link_request,
)
from civitas.portal.views._base import RESIDENT_SESSION_KEY, client_ip, resident_id

TEMPLATES = "portal/account/"
# Where a link may send the resident after sign-in: portal pages, but not the sign-in pages themselves.
NO_RETURN_ROUTES = frozenset({"sign-in", "sign-in-sent", "sign-in-link", "sign-out", "profile-delete"})

# Case statuses in plain words for residents.
PLAIN_STATUS = {
    "new": _("Received"),
    "open": _("Received"),
    "in_progress": _("Being worked on"),
    "waiting": _("Waiting for your reply"),
    "resolved": _("Done"),
    "closed": _("Closed"),
}


# --- forms -------------------------------------------------------------------------------------------


class SignInForm(forms.Form):
    email = forms.CharField(
        label=_("Email address"),
        max_length=254,
        error_messages={"required": _("Enter your email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    next = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_email(self) -> str:
        try:
            return normalise_email(self.cleaned_data["email"])
        except ValidationError:
            raise forms.ValidationError(_("Enter an email address like name@example.com.")) from None


class ProfileForm(forms.Form):
    store_details = forms.BooleanField(label=_("Keep my details to fill in forms"), required=False)
    given_name = forms.CharField(
        label=_("First name"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label=_("Last name"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you about your requests?"),
        choices=[
            (PreferredChannel.EMAIL, _("Email")),
            (PreferredChannel.SMS, _("Text message")),
            (PreferredChannel.NONE, _("Do not contact me")),
        ],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how we should contact you.")},
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for messages"),
        choices=Language.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a language.")},
    )
    email_updates = forms.BooleanField(label=_("Send me email updates about my requests"), required=False)
    sms_messages = forms.BooleanField(label=_("Send me text messages about my requests"), required=False)


# --- helpers -----------------------------------------------------------------------------------------


def _signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view gets the signed-in Person; a visitor (or a session whose person is gone) goes to sign-in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person = resident_person(resident_id(request))
        if person is None:
            if resident_id(request) is not None:
                request.session.flush()
            return redirect(f"{reverse('portal:sign-in')}?{urlencode({'next': request.path})}")
        return view(request, person, *args, **kwargs)

    return never_cache(wrapper)


def safe_next(value: str | None) -> str:
    """`value` when it is a portal page (not a sign-in page) on this site, else ""."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or len(value) > 200 or "\\" in value:
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return ""
    try:
        match = resolve(value.split("?", 1)[0])
    except Resolver404:
        return ""
    if match.namespace != "portal" or match.url_name in NO_RETURN_ROUTES:
        return ""
    return value


def _rate_limited(request: HttpRequest, email: str) -> bool:
    """Per client address and per email (the cache key holds a hash, never the address itself)."""
    contact = hashlib.sha256(email.encode()).hexdigest()
    by_ip = is_ratelimited(
        request,
        group="portal:sign-in:ip",
        key=lambda _group, req: client_ip(req),
        rate=settings.PORTAL_SIGN_IN_RATE_IP,
        increment=True,
    )
    by_contact = is_ratelimited(
        request,
        group="portal:sign-in:contact",
        key=lambda _group, _req: contact,
        rate=settings.PORTAL_SIGN_IN_RATE_CONTACT,
        increment=True,
    )
    return bool(by_ip or by_contact)


def _form_errors(form: forms.Form) -> list[tuple[str, str]]:
    """(field id, message) pairs for the error summary, in the order the fields appear."""
    errors = []
    for name in form.fields:
        for message in form.errors.get(name, []):
            bound = form[name]
            errors.append((bound.id_for_label or f"{bound.auto_id}_0", str(message)))
    for message in form.non_field_errors():
        errors.append(("", str(message)))
    return errors


def _language() -> str:
    code = (get_language() or "en").split("-")[0]
    return code if code in Language.values else Language.ENGLISH


# --- sign in -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = SignInForm(initial={"next": safe_next(request.GET.get("next"))})
        return render(request, TEMPLATES + "sign_in.html", {"form": form, "errors": []})
    form = SignInForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATES + "sign_in.html", {"form": form, "errors": _form_errors(form)}, status=400)
    email = form.cleaned_data["email"]
    if _rate_limited(request, email):
        return render(request, TEMPLATES + "rate_limited.html", {"form": form}, status=429)
    try:
        sign_in_link_request(email=email, language=_language(), next_path=safe_next(form.cleaned_data["next"]))
    except ValidationError as exc:  # an address the form accepted but the service did not
        form.add_error("email", exc.message)
        return render(request, TEMPLATES + "sign_in.html", {"form": form, "errors": _form_errors(form)}, status=400)
    return redirect("portal:sign-in-sent")


@never_cache
def sign_in_sent(request: HttpRequest) -> HttpResponse:
    """The same page whether or not the address is known (nobody learns who has an account)."""
    minutes = settings.PORTAL_SIGN_IN_LINK_MINUTES
    return render(request, TEMPLATES + "sign_in_sent.html", {"minutes": minutes})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a "Sign in" button (mail scanners that open links must not use them up); POST: redeem the link.

    The page's path holds the token: the referrer carries the origin only, and the page is never cached.
    """
    try:
        if request.method == "POST":
            person = sign_in_link_redeem(token=token)
        else:
            sign_in_link_check(token=token)
            person = None
    except SignInLinkInvalid as exc:
        response = render(
            request,
            TEMPLATES + "link_invalid.html",
            {"reason": exc.code, "form": SignInForm(), "errors": []},
            status=410 if exc.code in {"used", "expired"} else 404,
        )
        # The path holds a token: keep it out of Django's "Not Found"/"Gone" warnings in the log.
        response._has_been_logged = True  # type: ignore[attr-defined]
    else:
        if person is None:
            response = render(request, TEMPLATES + "sign_in_confirm.html", {})
        else:
            next_path = safe_next(_next_of(person))
            request.session.cycle_key()
            request.session[RESIDENT_SESSION_KEY] = person.pk
            response = redirect(next_path or reverse("portal:my-requests"))
    # "no-referrer" would make Chromium post `Origin: null`, which the CSRF check refuses.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _next_of(person: Person) -> str:
    """Where the link just redeemed asked to go (the person's most recently used link)."""
    link = person.sign_in_links.filter(used_at__isnull=False).order_by("-used_at", "-id").first()
    return link.next_path if link else ""


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    messages.info(request, _("You are signed out."))
    return redirect("portal:home")


# --- my requests ------------------------------------------------------------------------------------


@_signed_in
def my_requests(request: HttpRequest, person: Person) -> HttpResponse:
    rows = []
    for case in resident_cases(person=person):
        rows.append({"case": case, "status": PLAIN_STATUS.get(case.status, case.status), "url": _case_url(case)})
    return render(request, TEMPLATES + "my_requests.html", {"rows": rows})


def _case_url(case: Any) -> str:
    """The requester's private tracking page, or the public page of a followed request."""
    try:
        if case.is_mine:
            return reverse("portal:track-case", kwargs={"token": case.tracking_token})
        if case.is_public:
            return reverse("portal:request", kwargs={"reference": case.reference})
    except NoReverseMatch:  # the page is not built yet
        return ""
    return ""


# --- profile ----------------------------------------------------------------------------------------


@_signed_in
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, person: Person) -> HttpResponse:
    current = resident_profile(person=person)
    if request.method == "GET":
        form = ProfileForm(initial=_profile_initial(current))
        return _render_profile(request, form, current, [])
    form = ProfileForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = resident_profile_save(
                person=person,
                consents={purpose: data[purpose] for purpose in _consent_fields()},
                given_name=data["given_name"],
                family_name=data["family_name"],
                address=data["address"],
                phone=data["phone"],
                preferred_channel=data["preferred_channel"],
                preferred_language=data["preferred_language"],
            )
        except ValidationError as exc:
            _add_domain_error(form, exc)
        else:
            text = _("Your profile is saved.") if changed else _("Nothing changed.")
            messages.success(request, text)
            return redirect("portal:profile")
    return _render_profile(request, form, current, _form_errors(form), status=400)


def _consent_fields() -> tuple[str, ...]:
    return (ConsentPurpose.STORE_DETAILS, ConsentPurpose.EMAIL_UPDATES, ConsentPurpose.SMS_MESSAGES)


def _profile_initial(current: Any) -> dict[str, Any]:
    person = current.person
    return {
        **{purpose: current.consents.get(purpose, False) for purpose in _consent_fields()},
        "given_name": person.given_name,
        "family_name": person.family_name,
        "address": person.address,
        "phone": current.phone,
        "preferred_channel": person.preferred_channel,
        "preferred_language": person.preferred_language,
    }


def _add_domain_error(form: forms.Form, exc: ValidationError) -> None:
    name = exc.field if exc.field in form.fields else None
    form.add_error(name, exc.message)


def _render_profile(
    request: HttpRequest, form: ProfileForm, current: Any, errors: list[tuple[str, str]], status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "errors": errors,
        "emails": current.emails,
        "history": current.history,
        "detail_fields": [form["given_name"], form["family_name"], form["address"]],
    }
    return render(request, TEMPLATES + "profile.html", context, status=status)


# --- delete -----------------------------------------------------------------------------------------


@_signed_in
@require_http_methods(["GET", "POST"])
def profile_delete(request: HttpRequest, person: Person) -> HttpResponse:
    if request.method == "GET":
        return render(request, TEMPLATES + "delete.html")
    resident_details_delete(person=person)
    request.session.flush()
    messages.success(request, _("Your details are deleted and you are signed out."))
    return redirect("portal:home")


urls: list[URLPattern] = [
    path("account/sign-in/", sign_in, name="sign-in"),
    path("account/sign-in/sent/", sign_in_sent, name="sign-in-sent"),
    path("account/sign-in/<str:token>/", sign_in_link, name="sign-in-link"),
    path("account/sign-out/", sign_out, name="sign-out"),
    path("account/requests/", my_requests, name="my-requests"),
    path("account/profile/", profile, name="profile"),
    path("account/profile/delete/", profile_delete, name="profile-delete"),
]
