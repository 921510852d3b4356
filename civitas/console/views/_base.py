"""What every console view shares: sign-in and staff checks, domain errors as pages, htmx partials.

Views stay thin: they parse input, call one service or selector, and render. Permission checks on
objects happen in the selectors and services (a case of another department is "not found").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civitas.accounts.permissions import has_perm, require
from civitas.core.errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]


def is_staff_member(user: Any) -> bool:
    """Anyone holding at least one role (or a superuser) may use the console."""
    return has_perm(user, "console.use")


def staff_view(action: str | None) -> Callable[[View], View]:
    """Guard a console view: signed in, a member of staff, and allowed `action` somewhere.

    `action` is the view's rule in ROUTE_RULES (None: any member of staff). NotFound raised by
    a selector becomes the 404 page, PermissionDenied the 403 page, so views need no try/except.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                if not is_staff_member(request.user):
                    raise PermissionDenied("Your account holds no role in any department yet.")
                if action is not None:
                    require(request.user, action)
                return view(request, *args, **kwargs)
            except NotFound:
                return error_page(request, 404)
            except PermissionDenied as error:
                return error_page(request, 403, str(error))

        wrapped.console_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorate


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    return render(request, f"console/{status}.html", {"message": message}, status=status)


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, partial: str | None = None, status: int = 200
) -> HttpResponse:
    """The whole page, or only `partial` when htmx asks for a fragment (same context either way)."""
    name = partial if partial and is_htmx(request) else template
    return render(request, name, context, status=status)
