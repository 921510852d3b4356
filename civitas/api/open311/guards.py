"""What every Open311 view shares: the format suffix, allowed methods, body size, jurisdiction, rate limits,
API keys, and domain errors turned into the spec's error answer — never a 500 page, never HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from civitas.api.keyrate import count_request
from civitas.api.open311.render import CONTENT_TYPES, error
from civitas.core.context import set_via
from civitas.core.errors import NotFound, PermissionDenied, ValidationError
from civitas.integrations.keys import api_key_authenticate, key_require_application_writer
from civitas.integrations.models import ApiKey

View = Callable[..., HttpResponse]


class RateLimited(Exception):
    pass


def client_ip(request: HttpRequest) -> str:
    """The client address for per-address limits (the source django-axes is told to use)."""
    for header in getattr(settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", ("REMOTE_ADDR",)):
        value = request.META.get(header, "")
        if value:
            return str(value).split(",")[0].strip()
    return ""


def _too_big(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.API_MAX_BODY_BYTES


def _jurisdiction_problem(request: HttpRequest) -> str | None:
    known = list(getattr(settings, "OPEN311_JURISDICTIONS", []) or [])
    if not known:
        return None
    value = request.GET.get("jurisdiction_id") or (
        request.POST.get("jurisdiction_id") if request.method == "POST" else ""
    )
    if not value:
        return None if len(known) == 1 else "jurisdiction_id is required: this endpoint serves several jurisdictions."
    return None if value in known else "jurisdiction_id not found."


def _anonymous_limited(request: HttpRequest) -> bool:
    ip = client_ip(request)
    return bool(
        is_ratelimited(
            request,
            group="open311-read",
            key=lambda _group, _request: ip,
            rate=settings.OPEN311_ANONYMOUS_RATE,
            increment=True,
        )
    )


def application_key(request: HttpRequest) -> ApiKey:
    """The application key in the form's `api_key`, allowed to write and within its rate; else a 403/429."""
    key = api_key_authenticate(request.POST.get("api_key") or request.GET.get("api_key"))
    if key is None:
        raise PermissionDenied("Invalid api_key: send a valid, unrevoked application key.", field="api_key")
    key_require_application_writer(key, what="Open311 requests")
    set_via(f"api_key:{key.pk}")
    if not count_request(key).allowed:  # one counter per key across Open311 and the REST API
        raise RateLimited()
    return key


def _run(view: View, request: HttpRequest, fmt: str, kwargs: dict[str, Any]) -> HttpResponse:
    try:
        return view(request, fmt, **kwargs)
    except RequestDataTooBig:
        return error(fmt, 413, f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.")
    except UnreadablePostError:
        return error(fmt, 400, "The request body could not be read.")
    except RateLimited:
        return error(fmt, 429, "Too many requests for this api_key; wait a minute.", Retry_After="60")
    except PermissionDenied as exc:
        return error(fmt, 403, exc.message)
    except NotFound as exc:
        return error(fmt, 404, exc.message)
    except ValidationError as exc:
        return error(fmt, 400, exc.message)


def open311_view(*methods: str) -> Callable[[View], View]:
    """Wrap an Open311 view taking (request, fmt, **kwargs); `methods` are the HTTP methods it answers."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str = "", **kwargs: Any) -> HttpResponse:
            fmt = (fmt or "").lower()
            if fmt not in CONTENT_TYPES:
                return error("json", 404, "Unknown format: end the path with .json or .xml.")
            if request.method not in allowed:
                return error(fmt, 405, f"Use {' or '.join(methods)} here.", Allow=", ".join(sorted(allowed)))
            if _too_big(request):
                return error(fmt, 413, f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.")
            try:
                problem = _jurisdiction_problem(request)
            except (RequestDataTooBig, UnreadablePostError):
                return error(fmt, 413, f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.")
            if problem:
                return error(fmt, 404, problem)
            if request.method in ("GET", "HEAD") and _anonymous_limited(request):
                return error(fmt, 429, "Too many requests from this address; wait a minute.", Retry_After="60")
            return _run(view, request, fmt, kwargs)

        return wrapper

    return decorate
