"""Worker: Open311 `POST requests.json` throughput against a bare Django view that inserts one row.

    python -m bench.open311_post --seconds 10 --clients 8 --workers 2

Both are served in the same run by the same gunicorn (config/gunicorn.py, `--workers N`, sync workers as in
the Procfile) with the project's settings, middleware and database (DATABASE_URL, set by run.py); the bare
view is the one extra route of bench/server/urls.py. A load of `clients` concurrent HTTP clients (threads in
`--client-processes` processes, new connection per request as gunicorn's sync workers close them) posts for
`seconds` to each, twice, alternating; the best rate of each counts.

The Open311 request is what FixMyStreet sends: service_code, lat/long, description, email, first and last
name, an attribute, api_key — through key check, person matching, case_create (reference, timeline, audit
event, outbox task rows) and the Open311 answer.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any
from urllib.parse import urlencode

from bench import _django
from bench._django import REPO

SERVICE_CODE = "bench-pothole"
BARE_PATH = "/bench/bare-insert"
OPEN311_PATH = "/open311/v2/requests.json"


def prepare() -> str:
    """The service type, an application key (returned) and the bare view's table."""
    _django.setup()
    from django.db import connection

    from civitas.accounts.models import Department, Membership, User
    from civitas.catalog.models import ServiceAttribute, ServiceGroup, ServiceType
    from civitas.integrations.keys import api_key_issue

    department, _ = Department.objects.get_or_create(code="bench-streets", defaults={"name": "Streets"})
    group, _ = ServiceGroup.objects.get_or_create(code="bench-streets", defaults={"name": "Streets"})
    service_type, _ = ServiceType.objects.get_or_create(
        code=SERVICE_CODE,
        defaults={"name": "Pothole", "group": group, "department": department, "resolution_target_hours": 72},
    )
    ServiceAttribute.objects.get_or_create(
        service_type=service_type, code="depth", defaults={"datatype": "string", "description": "How deep?"}
    )
    admin, created = User.objects.get_or_create(email="open311-admin@bench.example", defaults={"password": "!"})
    if created:
        Membership.objects.create(user=admin, role="department_admin", department=department)
    issued = api_key_issue(actor=admin, kind="application", name="bench client", can_write=True)
    with connection.cursor() as cursor:
        kind = connection.vendor
        pk = "BIGSERIAL PRIMARY KEY" if kind == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
        cursor.execute(f"CREATE TABLE IF NOT EXISTS bench_bare_insert (id {pk}, body TEXT NOT NULL)")
    return issued.secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.server.settings",
        # The per-key limit would throttle a benchmark; it is not what is measured.
        "API_RATE_LIMIT": "100000000",
        "OPEN311_ANONYMOUS_RATE": "100000000/m",
    }
    command = [
        str(REPO / ".venv/bin/gunicorn") if (REPO / ".venv/bin/gunicorn").exists() else "gunicorn",
        "bench.server.wsgi",
        "-c",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the benchmark server did not start")


def post(port: int, path: str, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            # As behind the TLS proxy of production (SECURE_SSL_REDIRECT is on with DEBUG off).
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Host": "localhost",
                "X-Forwarded-Proto": "https",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _client_process(port: int, path: str, bodies: list[bytes], threads: int, seconds: float, out: Any) -> None:
    counts = {"ok": 0, "bad": 0, "statuses": set()}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(n: int) -> None:
        i = n
        while time.monotonic() < stop:
            status = post(port, path, bodies[i % len(bodies)])
            i += threads
            with lock:
                counts["ok" if 200 <= status < 300 else "bad"] += 1
                counts["statuses"].add(status)

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    out.put((counts["ok"], counts["bad"], sorted(counts["statuses"])))


def load(port: int, path: str, bodies: list[bytes], clients: int, processes: int, seconds: float) -> dict[str, Any]:
    """Requests per second (2xx only) from `clients` concurrent clients spread over `processes`."""
    queue: Any = multiprocessing.Queue()
    per = max(1, clients // processes)
    procs = [
        multiprocessing.Process(target=_client_process, args=(port, path, bodies, per, seconds, queue))
        for _ in range(processes)
    ]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - started
    ok = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    statuses = sorted({s for r in results for s in r[2]})
    if bad and not ok:
        raise RuntimeError(f"{path}: every request failed (statuses {statuses})")
    return {"rate": ok / elapsed, "ok": ok, "bad": bad, "statuses": statuses}


def open311_bodies(api_key: str, count: int = 200) -> list[bytes]:
    bodies = []
    for n in range(count):
        bodies.append(
            urlencode(
                {
                    "api_key": api_key,
                    "service_code": SERVICE_CODE,
                    "lat": f"{42.33 + (n % 50) * 0.001:.6f}",
                    "long": f"{-71.08 + (n // 50) * 0.001:.6f}",
                    "description": f"A deep pothole in the right lane, number {n}, cars swerve around it.",
                    "email": f"resident{n}@bench.example",
                    "first_name": "Sam",
                    "last_name": f"Resident{n}",
                    "attribute[depth]": "about 10 cm",
                }
            ).encode()
        )
    return bodies


def bare_bodies(count: int = 200) -> list[bytes]:
    return [urlencode({"description": f"A deep pothole, number {n}."}).encode() for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    api_key = prepare()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        first = post(port, OPEN311_PATH, open311_bodies(api_key, 1)[0])
        if first not in (200, 201):
            raise RuntimeError(f"Open311 POST answered {first}")
        runs: dict[str, list[dict[str, Any]]] = {"bare": [], "open311": []}
        for _ in range(2):
            runs["bare"].append(load(port, BARE_PATH, bare_bodies(), args.clients, args.client_processes, args.seconds))
            runs["open311"].append(
                load(port, OPEN311_PATH, open311_bodies(api_key), args.clients, args.client_processes, args.seconds)
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    best = {name: max(found, key=lambda r: r["rate"]) for name, found in runs.items()}
    _django.report(
        bare=best["bare"],
        open311=best["open311"],
        all_rates={name: [round(r["rate"], 1) for r in found] for name, found in runs.items()},
        workers=args.workers,
        clients=args.clients,
        seconds=args.seconds,
        cpus=os.cpu_count(),
    )


if __name__ == "__main__":
    sys.exit(main())
