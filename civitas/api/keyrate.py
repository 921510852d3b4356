"""The per-key rate limit shared by the REST API and Open311: one counter per API key, whichever API it calls.

A fixed one-minute window counted in the default cache; the limit is the key's `rate_limit_per_minute`, or
settings.API_RATE_LIMIT.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from civitas.integrations.models import ApiKey

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class KeyRate:
    limit: int
    count: int
    reset: int  # seconds to the window's end

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.limit - self.count)),
            "RateLimit-Reset": str(self.reset),
        }


def _count(key_id: int, window: int) -> int:
    cache_key = f"api:rate:{key_id}:{window}"
    cache.add(cache_key, 0, WINDOW_SECONDS + 5)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, WINDOW_SECONDS + 5)
        return 1


def count_request(key: ApiKey) -> KeyRate:
    """Count one request made with `key` and say whether it is within the key's limit."""
    now = time.time()
    count = _count(key.pk, int(now // WINDOW_SECONDS))
    reset = max(1, math.ceil(WINDOW_SECONDS - now % WINDOW_SECONDS))
    return KeyRate(limit=key.rate_limit_per_minute or settings.API_RATE_LIMIT, count=count, reset=reset)
