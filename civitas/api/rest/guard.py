"""Checks every REST operation passes before ninja parses it: body size, `Idempotency-Key`, rate headers.

`guard` wraps an operation's `run` (a ninja "view" decorator), so it sees the raw request and the final
response. Errors here are answered directly as problems (ninja's handlers are not in play yet).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from civitas.api.rest.errors import domain_problem, problem
from civitas.core.errors import DomainError
from civitas.integrations.idempotency import idempotency_claim, idempotency_release, idempotency_store
from civitas.integrations.keys import api_key_authenticate
from civitas.integrations.models import ApiKey

# Operations that take a file upload may carry up to the attachment size limit (plus the form's overhead).
UPLOAD_OPERATIONS = frozenset({"case-attachment-add"})
UPLOAD_OVERHEAD = 64 * 1024

Run = Callable[..., HttpResponseBase]


def body_limit(url_name: str | None) -> int:
    if url_name in UPLOAD_OPERATIONS:
        return max(settings.API_MAX_BODY_BYTES, settings.ATTACHMENT_MAX_BYTES + UPLOAD_OVERHEAD)
    return int(settings.API_MAX_BODY_BYTES)


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def presented_secret(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("X-Api-Key")


def guard(run: Run) -> Run:
    url_name = getattr(getattr(run, "__self__", None), "url_name", None)

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        length = _declared_length(request)
        limit = body_limit(url_name)
        if length is None:
            return problem(request, 400, "The Content-Length header is not a number.")
        if length > limit:
            return problem(request, 413, f"The request body is larger than {limit} bytes.")
        if request.method == "POST" and "Idempotency-Key" in request.headers:
            response = _idempotent(run, request, *args, **kwargs)
        else:
            response = run(request, *args, **kwargs)
        for name, value in getattr(request, "_rate_headers", {}).items():
            response[name] = value
        return response

    return wrapper


def _idempotent(run: Run, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    key = api_key_authenticate(presented_secret(request))
    if key is None:
        return run(request, *args, **kwargs)  # answered 401 by the operation's authentication
    try:
        claim = idempotency_claim(
            api_key=key,
            key=request.headers["Idempotency-Key"],
            method=request.method or "POST",
            path=request.path,
            body=request.body,
        )
    except DomainError as exc:
        return domain_problem(request, exc)
    if claim.replay:
        return _replay(claim.record)
    return _run_and_store(run, claim.record, key, request, *args, **kwargs)


def _run_and_store(run: Run, record: Any, key: ApiKey, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
    try:
        response = run(request, *args, **kwargs)
    except BaseException:
        idempotency_release(record=record)
        raise
    if response.status_code >= 500 or response.streaming or not isinstance(response, HttpResponse):
        idempotency_release(record=record)
        return response
    idempotency_store(
        record=record,
        status_code=response.status_code,
        body=response.content,
        content_type=response.get("Content-Type", ""),
    )
    return response


def _replay(record: Any) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body), status=record.status_code, content_type=record.content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response
