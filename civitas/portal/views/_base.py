"""Helpers shared by the portal's views: the resident session and client address for rate limits."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# The session key holding the id of the Person signed in to the portal by an emailed link.
RESIDENT_SESSION_KEY = "portal_person_id"


def resident_id(request: HttpRequest) -> int | None:
    """The id of the resident signed in to the portal on this session, if any."""
    value = request.session.get(RESIDENT_SESSION_KEY)
    return value if isinstance(value, int) else None


def resident_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send visitors who are not signed in as a resident to the portal sign-in page, then back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if resident_id(request) is None:
            return redirect(f"{reverse('portal:sign-in')}?{urlencode({'next': request.path})}")
        return view(request, *args, **kwargs)

    return wrapper


def client_ip(request: HttpRequest) -> str:
    """The client address used for per-IP rate limits (the same source django-axes is told to use)."""
    from django.conf import settings

    for header in getattr(settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", ("REMOTE_ADDR",)):
        value = request.META.get(header, "")
        if value:
            return value.split(",")[0].strip()
    return ""
