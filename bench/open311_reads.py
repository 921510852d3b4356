"""Worker: server time of Open311 `GET requests.json` returning 1,000 requests (run by run.py).

    python -m bench.open311_reads --size 1000000 --requests 40

The database is grown to `size` synthetic cases (bench/synthetic_cases.py; a no-op when it already holds
them), then `GET /open311/v2/requests.json` is requested through django.test.Client (middleware, view,
query, serialisation; no network) by an anonymous client, as FixMyStreet and open-data harvesters call it:

- default: no filters (the last 90 days, newest first, at most 1,000 records);
- status=open: the open requests of the same window;
- extensions: the default query with `extensions=true` (public notes history included).

Each answer is checked to hold 1,000 requests (the synthetic load puts ~80,000 cases in 90 days).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench import _django
from bench.console_reads import timed

URL = "/open311/v2/requests.json"
QUERIES = {
    "default": {},
    "open": {"status": "open"},
    "extensions": {"extensions": "true"},
}


def fetch(client: Any, params: dict[str, str]) -> int:
    response = client.get(URL, params, secure=True)  # as behind the TLS proxy
    if response.status_code != 200:
        raise RuntimeError(f"{URL} {params} answered {response.status_code}: {response.content[:200]!r}")
    return len(json.loads(response.content))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    _django.setup()
    from django.core.cache import cache
    from django.test import Client, override_settings

    from bench import synthetic_cases

    synthetic_cases.generate(args.size, progress=False)
    client = Client(HTTP_HOST="localhost")
    figures: dict[str, Any] = {}
    # The anonymous rate limit would answer 429 to a benchmark; it is not what is measured.
    with override_settings(OPEN311_ANONYMOUS_RATE="1000000/m"):
        for name, params in QUERIES.items():
            cache.clear()
            rows = fetch(client, params)
            figures[name] = {**timed(args.requests, lambda _n, p=params: fetch(client, p)), "rows": rows}
    _django.report(size=args.size, **figures)


if __name__ == "__main__":
    main()
