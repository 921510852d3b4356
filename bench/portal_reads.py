"""Worker: server time of the resident portal over a large synthetic case load (run by run.py).

    python -m bench.portal_reads --size 1000000 --requests 60

The database is grown to `size` cases (bench/synthetic_cases.py; a no-op when it already holds them),
then each page is requested through django.test.Client (middleware, session, view, queries, template;
no network) by an anonymous resident. Warm-up requests are not timed. Measured:

- home: GET / (the most requested services come from the daily rollup, cached);
- service page: GET /report/<code>/ (the report form of a service, with its questions);
- report submission without a photo, three requests timed as one: POST the form (the draft is kept),
  GET the review page (which runs the duplicate check around the point), POST submit (case_create,
  audit event, outbox rows). Points are drawn near existing cases, so the duplicate check finds some.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from typing import Any

from bench import _django
from bench.console_reads import WARM_UP, percentile, timed

NOISY_LIMITS = ("PORTAL_REPORT_RATE_IP", "PORTAL_REPORT_RATE_CONTACT")


def expect(response: Any, codes: tuple[int, ...], what: str) -> Any:
    if response.status_code not in codes:
        raise RuntimeError(f"{what} answered {response.status_code}")
    return response


def busiest_service() -> Any:
    from django.db.models import Count

    from civitas.cases.models import Case
    from civitas.catalog.models import ServiceType

    top = (
        Case.objects.filter(service_type__is_private=False, service_type__is_active=True, lat__isnull=False)
        .values("service_type_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return ServiceType.objects.get(pk=top["service_type_id"])


def points_near_cases(service_type: Any, count: int) -> list[tuple[float, float]]:
    from civitas.cases.models import Case

    rows = list(
        Case.objects.filter(service_type=service_type, lat__isnull=False)
        .order_by("-id")
        .values_list("lat", "long")[: count * 4]
    )
    rng = random.Random(11)
    return [(lat + rng.uniform(-0.0002, 0.0002), long + rng.uniform(-0.0002, 0.0002)) for lat, long in rows][:count]


def measure_submission(client: Any, service_type: Any, requests: int) -> dict[str, Any]:
    from django.urls import reverse

    form_url = reverse("portal:report", kwargs={"code": service_type.code})
    review_url = reverse("portal:report-review", kwargs={"code": service_type.code})
    points = points_near_cases(service_type, requests + WARM_UP)
    duplicates_seen = 0

    def submit(n: int) -> None:
        nonlocal duplicates_seen
        lat, long = points[n % len(points)]
        data = {
            "description": f"Benchmark report {n}: the problem is still there near the corner.",
            "address": "1 Bench Street",
            "lat": f"{lat:.6f}",
            "long": f"{long:.6f}",
            "contact_choice": "anonymous",
        }
        expect(client.post(form_url, data, secure=True), (302,), "report form")
        page = expect(client.get(review_url, secure=True), (200,), "review page")
        duplicates_seen += b"follow" in page.content.lower()
        expect(client.post(review_url, {"action": "submit"}, secure=True), (302,), "submit")

    figures = timed(requests, submit)
    return {**figures, "reviews_with_duplicates": duplicates_seen}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    for name in NOISY_LIMITS:  # one client submits many reports: the per-address limit would answer 429
        os.environ[name] = "1000000/h"
    _django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from bench.synthetic_cases import generate
    from civitas.cases.handlers import rebuild_all_daily_stats

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    figures: dict[str, Any] = {"generate_seconds": generate(args.size)["seconds"]}
    started = time.perf_counter()
    figures["rollup_rows"] = rebuild_all_daily_stats()
    figures["rollup_seconds"] = time.perf_counter() - started
    with override_settings(STORAGES=storages):
        client = Client(HTTP_HOST="localhost")
        service_type = busiest_service()
        service_url = reverse("portal:report", kwargs={"code": service_type.code})
        figures["home"] = timed(args.requests, lambda n: expect(client.get("/", secure=True), (200,), "home"))
        figures["service"] = timed(
            args.requests, lambda n: expect(client.get(service_url, secure=True), (200,), "service page")
        )
        figures["submit"] = measure_submission(client, service_type, args.requests)
    figures["service_code"] = service_type.code
    _django.report(**figures)


__all__ = ["main", "percentile"]

if __name__ == "__main__":
    main()
