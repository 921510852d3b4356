"""Session security for staff pages: idle timeout and the MFA gate (ADR 0007).

Both act on URL names only (no interface import): the staff console (`console:`) and the admin
site (`admin:`). The sign-in, verify, enrolment and sign-out pages stay reachable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from civitas.accounts.auth_services import LAST_SEEN_KEY, mfa_next_step, remember_enrolment, session_sign_out

GUARDED_NAMESPACES = {"console", "admin"}
OPEN_ROUTES = {
    "console:sign-in",
    "console:sign-out",
    "console:mfa-verify",
    "console:mfa-setup",
    "console:mfa-later",
    "admin:logout",
    "admin:login",
}
STEP_ROUTES = {"verify": "console:mfa-verify", "setup": "console:mfa-setup"}
# Write the last-seen time at most this often (seconds), so most requests do not save the session.
TOUCH_EVERY = 60


def redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load (HX-Redirect) instead of swapping it in."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def with_next(route: str, request: HttpRequest) -> str:
    """`route`'s URL with ?next= the page to come back to (for htmx: the page, not the fragment)."""
    url = reverse(route)
    target = return_target(request)
    return f"{url}?{urlencode({'next': target})}" if target else url


def return_target(request: HttpRequest) -> str:
    htmx: Any = getattr(request, "htmx", False)
    if htmx:
        return str(htmx.current_url_abs_path or "")
    return request.get_full_path() if request.method == "GET" else ""


class IdleTimeoutMiddleware:
    """After SESSION_IDLE_TIMEOUT minutes without a request, the next request signs the user out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT * 60:
                return self.sign_out(request)
            if last_seen is None or now - int(last_seen) >= TOUCH_EVERY:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def sign_out(self, request: HttpRequest) -> HttpResponse:
        session_sign_out(request=request, reason="idle")
        messages.info(
            request,
            _("You were signed out after %(minutes)d minutes without activity. Sign in again to continue.")
            % {"minutes": settings.SESSION_IDLE_TIMEOUT},
        )
        return redirect(request, with_next("console:sign-in", request))


class MfaRequiredMiddleware:
    """Staff pages need a verified session (a code entered), or enrolment first when MFA_REQUIRED."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        match = request.resolver_match
        user: Any = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated:
            return None
        if match.namespace not in GUARDED_NAMESPACES or match.view_name in OPEN_ROUTES:
            return None
        step = mfa_next_step(request)
        if step is None:
            return None
        return redirect(request, with_next(STEP_ROUTES[step], request))


def prime_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On any sign-in (including the admin and the test client): start the idle clock.

    Session bookkeeping only; the audited sign-in is `auth_services.session_sign_in`.
    """
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())
        remember_enrolment(request.session, user)
