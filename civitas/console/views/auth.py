"""Staff sign-in: password, TOTP code or enrolment, lockout page, account, sign out (everywhere).

The rules live in civitas.accounts.auth_services (audited) and civitas.accounts.middleware
(idle timeout, the MFA gate); these views parse input and render.
"""

from __future__ import annotations

from base64 import b32encode
from datetime import timedelta
from typing import Any

import segno
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from civitas.accounts import auth_services
from civitas.accounts.selectors import user_roles
from civitas.console.views._base import render_page, staff_view
from civitas.core.errors import DomainError

WRONG_CREDENTIALS = gettext_lazy("The email address or password is not right. Check both and try again.")


class SignInForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    password = forms.CharField(label=gettext_lazy("Password"), strip=False, max_length=4096)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("6-digit code"), max_length=12)

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


# --- helpers -----------------------------------------------------------------------------------


def next_url(request: HttpRequest, default: str = "console:home") -> str:
    """The ?next= (or posted next) target when it is on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if target and allowed else reverse(default)


def with_next(route: str, target: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(route)}?{urlencode({'next': target})}"


def after_password(request: HttpRequest) -> HttpResponse:
    """Where a signed-in user goes next: code, enrolment (forced or offered), or their page."""
    target = next_url(request)
    step = auth_services.mfa_next_step(request)
    if step == "verify":
        return redirect(with_next("console:mfa-verify", target))
    if step == "setup":
        return redirect(with_next("console:mfa-setup", target))
    user: Any = request.user
    if not (request.session.get(auth_services.MFA_ENROLLED_KEY) or user.mfa_prompt_dismissed):
        prompt_enrolment(request, user)
    return HttpResponseRedirect(target)


def prompt_enrolment(request: HttpRequest, user: Any) -> None:
    """MFA offered, not forced: say so once, at the first sign-in (the account page keeps the offer)."""
    messages.info(
        request,
        _(
            "Protect your account with two-step sign-in: open Your account (your name in the menu) "
            "and choose 'Set up an authenticator app'."
        ),
    )
    auth_services.mfa_prompt_dismiss(user=user)


def field_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- sign in -----------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return after_password(request)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is not None:
            auth_services.session_sign_in(request=request, user=user)
            return after_password(request)
        if not getattr(request, "axes_locked_out", False):
            auth_services.session_sign_in_failed(email=email)
        form.add_error(None, WRONG_CREDENTIALS)
    status = 400 if form.is_bound else 200
    return render(request, "console/auth/sign_in.html", {"form": form, "next": next_url(request)}, status=status)


def locked_out(request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None) -> HttpResponse:
    """django-axes calls this for a locked-out attempt: the sign-in page, saying when to retry."""
    email = str((credentials or {}).get("username") or "")
    auth_services.session_locked_out(email=email)
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    retry_at = timezone.localtime(timezone.now() + cool_off)
    message = _(
        "Too many failed sign-in attempts. For your security, sign-in for this account is paused. "
        "Try again after %(time)s (in %(minutes)d minutes)."
    ) % {"time": time_format(retry_at, "TIME_FORMAT"), "minutes": int(cool_off.total_seconds() // 60)}
    form = SignInForm(initial={"email": email})
    context = {"form": form, "locked_message": message, "next": next_url(request)}
    return render(request, "console/auth/sign_in.html", context, status=429)


# --- multi-factor ------------------------------------------------------------------------------


@sensitive_post_parameters("code")
@staff_view("console.use")
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if auth_services.is_verified(user):
        return HttpResponseRedirect(next_url(request))
    if not auth_services.remember_enrolment(request.session, user):
        return after_password(request)  # the device was reset meanwhile
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth_services.mfa_verify(request=request, user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            field_error(form, error)
        else:
            return HttpResponseRedirect(next_url(request))
    status = 400 if form.is_bound else 200
    context = {"form": form, "next": next_url(request)}
    return render(request, "console/auth/verify.html", context, status=status)


@sensitive_post_parameters("code")
@staff_view("console.use")
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if auth_services.mfa_device(user) is not None:
        if not auth_services.is_verified(user):
            return redirect(with_next("console:mfa-verify", next_url(request)))
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect("console:account")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth_services.mfa_device_confirm(request=request, user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("Your authenticator app is set up. You will enter a code at each sign-in."))
            return HttpResponseRedirect(next_url(request, "console:account"))
    device = auth_services.mfa_device_start(user=user)
    context = {
        "form": form,
        "next": next_url(request),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, light="#fff"),
        "secret": secret_groups(device.bin_key),
        "required": settings.MFA_REQUIRED,
    }
    return render(request, "console/auth/setup.html", context, status=400 if form.is_bound else 200)


def secret_groups(key: bytes) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_POST
@staff_view("console.use")
def mfa_later(request: HttpRequest) -> HttpResponse:
    if settings.MFA_REQUIRED:
        return redirect(with_next("console:mfa-setup", next_url(request)))
    auth_services.mfa_prompt_dismiss(user=request.user)  # type: ignore[arg-type]
    messages.info(request, _("You can set up an authenticator app later on your account page."))
    return HttpResponseRedirect(next_url(request))


# --- account and sign out ----------------------------------------------------------------------


@staff_view("console.use")
def account(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context = {
        "active": "account",
        "memberships": user_roles(user=user),
        "mfa_enrolled": auth_services.mfa_device(user) is not None,
        "mfa_required": settings.MFA_REQUIRED,
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT,
    }
    return render_page(request, "console/auth/account.html", context)


@require_POST
@staff_view("console.use")
def mfa_reset_own(request: HttpRequest) -> HttpResponse:
    auth_services.mfa_reset(actor=request.user, user=request.user)  # type: ignore[arg-type]
    request.session[auth_services.MFA_ENROLLED_KEY] = False
    messages.success(request, _("Your authenticator app was removed. Set up a new one now."))
    return redirect("console:mfa-setup")


@require_POST
@staff_view("console.use")
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    auth_services.user_sign_out_everywhere(actor=request.user, user=request.user)  # type: ignore[arg-type]
    auth_services.session_sign_out(request=request, reason="everywhere")
    messages.success(request, _("You are signed out on every device, including this one."))
    return redirect("console:sign-in")


@csrf_protect
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("console:account" if request.user.is_authenticated else "console:sign-in")
    if request.user.is_authenticated:
        auth_services.session_sign_out(request=request)
        messages.success(request, _("You are signed out."))
    return redirect("console:sign-in")


urls = [
    path("sign-in/", sign_in, name="sign-in"),
    path("sign-in/verify/", mfa_verify, name="mfa-verify"),
    path("mfa/setup/", mfa_setup, name="mfa-setup"),
    path("mfa/later/", mfa_later, name="mfa-later"),
    path("sign-out/", sign_out, name="sign-out"),
    path("account/", account, name="account"),
    path("account/mfa/reset/", mfa_reset_own, name="mfa-reset"),
    path("account/sign-out-everywhere/", sign_out_everywhere, name="sign-out-everywhere"),
]
