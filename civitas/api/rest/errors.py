"""RFC 7807 problem details for every error the REST API answers (`application/problem+json`).

Status codes: 400 malformed request (unparseable JSON, bad cursor), 401 missing/bad key, 403 not allowed (a
read-only key writing, a role without the action), 404 unknown or not visible (the same answer), 409 a stale
`version`, a transition the table refuses, or an `Idempotency-Key` still being processed, 413 body too large,
422 a well-formed request with invalid values (schema or domain validation; `errors` lists the fields), 429
rate limited (with `Retry-After`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError

from civitas.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from civitas.integrations.idempotency import IdempotencyInProgress

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "urn:civitas:problem:"

# ninja's error locations start with where the value came from, then (for a schema) our parameter's name.
SOURCES = frozenset({"body", "query", "path", "form", "header", "file", "cookie"})
SCHEMA_PARAMS = frozenset({"payload", "filters", "params"})

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}
SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    422: "invalid",
    429: "rate-limited",
    500: "server-error",
}


def problem(
    request: HttpRequest,
    status: int,
    detail: str = "",
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """One problem response. `slug` names the problem type (default: one per status)."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or SLUGS.get(status, "error")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or TITLES.get(status, "Error"),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors_from_schema(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja's validation errors as [{field, message, code}] (the field is the dotted location, without 'body')."""
    result = []
    for error in errors:
        location = _field_path(list(error.get("loc", ())))
        result.append(
            {
                "field": ".".join(location) or None,
                "message": str(error.get("msg", "Invalid value.")),
                "code": str(error.get("type", "invalid")),
            }
        )
    return result


def _field_path(location: list[Any]) -> list[str]:
    if location and location[0] in SOURCES:
        location = location[1:]
    if len(location) > 1 and location[0] in SCHEMA_PARAMS:
        location = location[1:]
    return [str(part) for part in location]


def domain_problem(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return problem(request, 404, "Not found.")
    if isinstance(exc, PermissionDenied):
        return problem(request, 403, exc.message)
    if isinstance(exc, StaleVersion):
        return problem(request, 409, exc.message, slug="stale-version", current_version=exc.current_version)
    if isinstance(exc, IdempotencyInProgress):
        return problem(request, 409, exc.message, slug="idempotency-in-progress")
    if isinstance(exc, InvalidTransition):
        return problem(request, 409, exc.message, slug="invalid-transition", errors=[_field_error(exc)])
    return problem(request, 422, exc.message, errors=[_field_error(exc)])


def _field_error(exc: DomainError) -> dict[str, Any]:
    return {"field": exc.field, "message": exc.message, "code": exc.code}


def _on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors = field_errors_from_schema(exc.errors)
    return problem(request, 422, "Some values are missing or invalid.", errors=errors)


def _on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = "Send a valid, unrevoked API key: `Authorization: Bearer cvt_…` or `X-Api-Key: cvt_…`."
    return problem(request, 401, detail, headers={"WWW-Authenticate": 'Bearer realm="civitas"'})


def _on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    detail = "This key made too many requests; wait and retry."
    return problem(request, 429, detail, headers=getattr(request, "_rate_headers", {}))


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


def _on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 404, "Not found.")


def _on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 413, "The request body is too large.")


def _on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return domain_problem(request, exc)


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("REST API error on %s %s", request.method, request.path)
    return problem(request, 500, "Something went wrong on our side; the error was logged.")


def register(api: NinjaAPI) -> None:
    api.add_exception_handler(Exception, _on_unexpected)
    api.add_exception_handler(SchemaValidationError, _on_schema_error)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(AuthenticationError, _on_authentication)
    api.add_exception_handler(Throttled, _on_throttled)
    api.add_exception_handler(Http404, _on_404)
    api.add_exception_handler(RequestDataTooBig, _on_too_big)
    api.add_exception_handler(DomainError, _on_domain)
