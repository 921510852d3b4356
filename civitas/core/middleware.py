from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from civitas.core.context import get_request_id, reset_request_id, reset_via, set_request_id, set_via

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed X-Request-ID) for logs and audit rows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_ID.match(incoming) else None)
        via_token = set_via("")  # an API key sets it for this request only
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = get_request_id()
            return response
        finally:
            reset_via(via_token)
            reset_request_id(token)
