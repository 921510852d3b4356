"""Rate limits per API key: a fixed one-minute window counted in the default cache.

The limit is the key's `rate_limit_per_minute`, or settings.API_RATE_LIMIT. Answers carry `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` (seconds to the window's end); a refused request gets 429 with
`Retry-After`.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

WINDOW_SECONDS = 60


def _count(key_id: int, window: int) -> int:
    cache_key = f"api:rate:{key_id}:{window}"
    cache.add(cache_key, 0, WINDOW_SECONDS + 5)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, WINDOW_SECONDS + 5)
        return 1


class KeyRateThrottle(BaseThrottle):
    """Runs after authentication, so `request.api_key` is set on every request it sees."""

    def allow_request(self, request: HttpRequest) -> bool:
        key = getattr(request, "api_key", None)
        if key is None:
            return True
        now = time.time()
        limit = key.rate_limit_per_minute or settings.API_RATE_LIMIT
        count = _count(key.pk, int(now // WINDOW_SECONDS))
        reset = max(1, math.ceil(WINDOW_SECONDS - now % WINDOW_SECONDS))
        request._rate_headers = {  # type: ignore[attr-defined]
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(max(0, limit - count)),
            "RateLimit-Reset": str(reset),
        }
        request._rate_wait = reset  # type: ignore[attr-defined]
        self._wait = reset
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "_wait", WINDOW_SECONDS)
