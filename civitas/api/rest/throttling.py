"""Rate limits per API key for the REST API (the counter is shared with Open311: civitas/api/keyrate.py).

Answers carry `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds to the window's end); a
refused request gets 429 with `Retry-After`.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from civitas.api.keyrate import WINDOW_SECONDS, count_request


class KeyRateThrottle(BaseThrottle):
    """Runs after authentication, so `request.api_key` is set on every request it sees."""

    def allow_request(self, request: HttpRequest) -> bool:
        key = getattr(request, "api_key", None)
        if key is None:
            return True
        rate = count_request(key)
        request._rate_headers = rate.headers  # type: ignore[attr-defined]
        request._rate_wait = rate.reset  # type: ignore[attr-defined]
        self._wait = rate.reset
        return rate.allowed

    def wait(self) -> float | None:
        return getattr(self, "_wait", WINDOW_SECONDS)
