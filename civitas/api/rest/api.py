"""The REST API v1 (django-ninja): one NinjaAPI, OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs.

Every operation: authenticated by an API key (auth.py), rate limited per key (throttling.py), guarded
(body size, Idempotency-Key: guard.py), and answering errors as RFC 7807 problems (errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import URLPattern
from ninja import NinjaAPI, Router

from civitas.api.rest import audit, cases, catalog, errors, org, people, sensors
from civitas.api.rest.auth import AUTH
from civitas.api.rest.guard import guard
from civitas.api.rest.throttling import KeyRateThrottle

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "Makes a retry safe: the first answer is stored for this key and given again (with "
        "`Idempotent-Replayed: true`) to a retry with the same body; another body gets 422, a retry while the "
        "first is still running gets 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class CivitasAPI(NinjaAPI):
    def _get_urls(self) -> list[Any]:
        """ninja's URL patterns, each answering a wrong method with a 405 problem (ninja's is plain text)."""
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                pattern.callback = _index
            elif isinstance(pattern, URLPattern):
                pattern.callback = _problem_on_405(pattern.callback)
        return patterns

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        """ninja's schema, with every 4xx answer documented as `application/problem+json`."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                _problem_media_type(operation.get("responses", {}))
                if method == "post":
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
        return schema


def _index(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
    """/api/v1/ itself: where the description and the docs are (ninja's own root answers an HTML 404)."""
    root = request.path.rstrip("/")
    return JsonResponse({"openapi": f"{root}/openapi.json", "docs": f"{root}/docs", "guide": "docs/howto/api.md"})


def _problem_on_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type") == errors.PROBLEM_TYPE:
            return response
        allowed = response.get("Allow", "")
        return errors.problem(request, 405, f"Use one of: {allowed}.", headers={"Allow": allowed})

    return wrapper


def _problem_media_type(responses: dict[str, Any]) -> None:
    for status, answer in responses.items():
        content = answer.get("content")
        if str(status).startswith(("4", "5")) and content and "application/json" in content:
            answer["content"] = {errors.PROBLEM_TYPE: content["application/json"]}


api = CivitasAPI(
    title="Civitas REST API",
    version="1",
    description=(
        "Cases, people, the service catalogue, departments and audit events. Errors are RFC 7807 problems. "
        "See docs/howto/api.md."
    ),
    urls_namespace="api",
    auth=AUTH,
    throttle=[KeyRateThrottle()],
    docs_url="/docs",
)
errors.register(api)
api.add_decorator(guard, mode="view")
api.add_router("/cases", cases.router)
api.add_router("/people", people.router)
api.add_router("/services", catalog.router)
api.add_router("/", org.router)
api.add_router("/audit-events", audit.router)
api.add_router("/sensor-events", sensors.router)

fallback = Router(auth=None, throttle=[])


@fallback.api_operation(ANY_METHOD, "/{path:rest}", include_in_schema=False, url_name="not-found")
def not_found(request: HttpRequest, rest: str) -> Any:
    """Unknown paths under /api/v1/ answer a problem, not Django's HTML page."""
    return errors.problem(request, 404, "No such API endpoint.")


api.add_router("", fallback)
