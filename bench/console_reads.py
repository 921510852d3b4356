"""Worker: server time of console pages over a large synthetic case load (run by run.py).

    python -m bench.console_reads --sizes 100000,1000000 --requests 60 --measure queue,search

For each size the database is grown to that many cases (bench/synthetic_cases.py), then each page is
requested through django.test.Client (the whole of Django's handling: middleware, session, view,
queries, template; no network) by a call-centre agent who may see every department. Warm-up requests
are not timed. Pages measured:

- queue: the first page of /console/queues/all-open/ (at every size: the 100k/1M ratio shows whether
  the page depends on the table's size);
- search (at the last size): /console/search/?q=<a common word> (words of the Boston categories,
  each matching tens of thousands of cases) and /console/search/?q=<a reference> (a redirect to the case).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench import _django

WARM_UP = 5
COMMON_WORDS = ("street", "light", "pothole", "trash", "sidewalk")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(requests: int, call: Callable[[int], Any]) -> dict[str, float]:
    for n in range(WARM_UP):
        call(n)
    times = []
    for n in range(requests):
        started = time.perf_counter()
        call(n)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(times), "p95_ms": percentile(times, 0.95), "max_ms": max(times)}


def make_client() -> Any:
    from django.test import Client

    from civitas.accounts.models import Membership, User

    user, created = User.objects.get_or_create(email="agent@bench.example", defaults={"password": "!"})
    if created:
        Membership.objects.create(user=user, role="agent", department=None)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def get(client: Any, url: str, expect: tuple[int, ...] = (200,)) -> Any:
    response = client.get(url, secure=True)
    if response.status_code not in expect:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def measure_queue(client: Any, requests: int) -> dict[str, float]:
    from django.urls import reverse

    url = reverse("console:queue", args=["all-open"])
    return timed(requests, lambda n: get(client, url))


def measure_search(client: Any, requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.urls import reverse

    from civitas.cases.models import Case

    url = reverse("console:search")
    top = Case.objects.order_by("-id").values_list("id", flat=True).first() or 1
    rng = random.Random(7)
    references = list(
        Case.objects.filter(id__in=[rng.randint(1, top) for _ in range(requests + WARM_UP)]).values_list(
            "reference", flat=True
        )
    )
    words = timed(requests, lambda n: get(client, f"{url}?q={COMMON_WORDS[n % len(COMMON_WORDS)]}"))
    refs = timed(requests, lambda n: get(client, f"{url}?q={references[n % len(references)].lower()}", (302,)))
    matches = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for word in COMMON_WORDS:
                cursor.execute(
                    "SELECT count(*) FROM search_searchdocument WHERE tsv @@ plainto_tsquery('english', %s)", [word]
                )
                matches[word] = cursor.fetchone()[0]
    return {"word": words, "reference": refs, "matches": matches}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--measure", default="queue,search")
    args = parser.parse_args()
    os.environ.setdefault("MFA_REQUIRED", "0")  # the bench signs in with force_login
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    _django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    from bench.synthetic_cases import generate

    measure = set(args.measure.split(","))
    sizes = [int(size) for size in args.sizes.split(",")]
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    figures: dict[str, Any] = {"queue": {}, "generate_seconds": {}}
    with override_settings(STORAGES=storages):
        client = make_client()
        for size in sizes:
            figures["generate_seconds"][str(size)] = generate(size)["seconds"]
            if "queue" in measure:
                figures["queue"][str(size)] = measure_queue(client, args.requests)
        if "search" in measure:
            figures["search"] = measure_search(client, args.requests)
    _django.report(**figures)


if __name__ == "__main__":
    main()
