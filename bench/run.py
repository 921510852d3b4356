"""Civitas benchmarks: print figures, targets and ratios (they are not tests and never fail the suite).

    make bench                                        # everything; PostgreSQL too when it answers
    make bench BENCH_ARGS="--only import --db postgres"
    .venv/bin/python bench/run.py --only create --cases 5000 --repeat 3

Benchmarks (each on a fresh database: a SQLite file in a temporary directory, or a throwaway
PostgreSQL database civitas_bench_<pid>, cloned from a template migrated once per run):

- create: `case_create` through the service, one case per transaction (target ≥ 500 cases/s);
- import: `manage.py import_cases --format boston` of the 2011 Boston file (SQLite ≥ 10,000 rows/s;
  PostgreSQL ≥ 0.2 × a raw COPY of the same file measured in the same run; peak RSS ≤ 300 MB);
- audit: `verify_audit()` over 1,000,000 events (≤ 30 s); SQLite unless --db names PostgreSQL;
- portal: server time of the resident portal's home and a service page (p95 ≤ 30 ms) and of a report
  without a photo — form post, review with the duplicate check, submit (p95 ≤ 80 ms) — at the largest
  size, on the same database as queue/search (bench/portal_reads.py);
- open311: `POST /open311/v2/requests.json` throughput ≥ 0.4 × a bare Django view inserting one row, both
  served by the same gunicorn in the same run (bench/open311_post.py), on each database; and server time of
  `GET requests.json` returning 1,000 requests (p95 ≤ 200 ms) at the largest size on the queue/search
  database (bench/open311_reads.py);
- queue, search: server time of /console/queues/all-open/ (p95 ≤ 50 ms at 1M cases, 1M ÷ 100k ≤ 1.5×)
  and /console/search/ (p95 ≤ 150 ms for a common word, ≤ 20 ms for a reference) over synthetic
  cases (bench/synthetic_cases.py); PostgreSQL unless --db names SQLite.

Exit status: 0 when every benchmark ran (a MISS is reported, not an error); 1 with --strict when a
target is missed; 2 when a benchmark itself failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a script: bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import boston_import
from bench._django import REPO, RESULT_PREFIX
from bench.generate import EXTRACT, REAL_FILE, boston_csv

BENCHMARKS = ("create", "import", "audit", "queue", "search", "portal", "open311")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
CREATE_TARGET = 500.0  # cases per second
IMPORT_SQLITE_TARGET = 10_000.0  # rows per second
IMPORT_PG_FRACTION = 0.2  # of the raw COPY rate
IMPORT_RSS_TARGET = 300.0  # MB
AUDIT_TARGET = 30.0  # seconds per 1,000,000 events
QUEUE_TARGET_MS = 50.0  # p95 of the first page of the all-open queue at the largest size
QUEUE_GROWTH_TARGET = 1.5  # p95 at the largest size ÷ p95 at the smallest
SEARCH_WORD_TARGET_MS = 150.0  # p95 of a search for a common word
SEARCH_REFERENCE_TARGET_MS = 20.0  # p95 of a search for a reference
PORTAL_PAGE_TARGET_MS = 30.0  # p95 of the portal home and a service page
PORTAL_SUBMIT_TARGET_MS = 80.0  # p95 of a report without a photo, duplicate check included
OPEN311_POST_FRACTION = 0.4  # Open311 POST requests.json throughput ÷ a bare Django view inserting one row
OPEN311_READ_TARGET_MS = 200.0  # p95 of GET requests.json returning 1,000 requests at 1M cases
# The audit checkpoint key of the throwaway databases (never a real one; keeps var/ untouched).
BENCH_SECRET_KEY = "bench-only-secret-key-never-used-to-serve-0123456789"  # noqa: S105 (throwaway)
BENCH_AUDIT_KEY = "civitas-bench-only-checkpoint-key-not-a-secret"


def say(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


# --- results -----------------------------------------------------------------------------------------


@dataclass
class Result:
    benchmark: str
    database: str
    figure: float
    unit: str
    target: float
    at_least: bool  # True: the figure must reach the target; False: it must stay at or under it
    note: str = ""
    error: str = ""

    @property
    def ratio(self) -> float:
        return self.figure / self.target if self.target else 0.0

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        ok = self.figure >= self.target if self.at_least else self.figure <= self.target
        return "PASS" if ok else "MISS"


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:,.1f} s"
    if unit in ("ms", "×"):
        return f"{value:,.1f} {unit}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.0f} {unit}"


def print_table(results: list[Result]) -> None:
    header = ("benchmark", "database", "figure", "target", "figure/target", "result")
    lines = [
        (
            r.benchmark,
            r.database,
            "—" if r.error else _number(r.figure, r.unit),
            "—" if r.error else ("≥ " if r.at_least else "≤ ") + _number(r.target, r.unit),
            "—" if r.error else f"{r.ratio:.2f}",
            r.verdict,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *lines]:
        cells = [
            cell.rjust(w) if i in (2, 3, 4) else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    notes = [f"{r.benchmark} on {r.database}: {r.note or r.error}" for r in results if r.note or r.error]
    if notes:
        print()
        for note in notes:
            print(f"- {note}")


# --- databases ---------------------------------------------------------------------------------------


class SqliteDatabases:
    """A migrated template file, copied for each benchmark."""

    label = "sqlite"

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.template = workdir / "template.sqlite3"

    def prepare(self) -> None:
        migrate(self.env, f"sqlite:///{self.template}")
        with sqlite3.connect(self.template) as conn:  # fold the WAL into the file before copying it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def fresh(self, name: str) -> str:
        path = self.workdir / f"{name}.sqlite3"
        self._remove(path)
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def discard(self, url: str) -> None:
        self._remove(Path(url.removeprefix("sqlite:///")))

    def close(self) -> None:
        pass

    @staticmethod
    def _remove(path: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresDatabases:
    """civitas_bench_<pid>_tpl, migrated once; civitas_bench_<pid> cloned from it for each benchmark."""

    label = "postgres"

    def __init__(self, admin_url: str, env: dict[str, str]) -> None:
        self.admin_url = admin_url
        self.env = env
        self.name = f"civitas_bench_{os.getpid()}"
        self.template = f"{self.name}_tpl"
        self.created: set[str] = set()

    def url(self, name: str) -> str:
        return urlsplit(self.admin_url)._replace(path=f"/{name}").geturl()

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def prepare(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}"', f'CREATE DATABASE "{self.template}"')
        self.created.add(self.template)
        migrate(self.env, self.url(self.template))

    def fresh(self, name: str) -> str:
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
            f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"',
        )
        self.created.add(self.name)
        return self.url(self.name)

    def discard(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.created.discard(self.name)

    def close(self) -> None:
        for name in sorted(self.created):
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # cleaning up: say so and go on
                say(f"could not drop database {name}: {exc}")
        self.created.clear()


def postgres_answers(admin_url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:  # any failure means "not available"
        return False


def migrate(env: dict[str, str], url: str) -> None:
    say(f"migrating {url}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=REPO,
        env={**env, "DATABASE_URL": url},
        check=True,
    )


def worker(env: dict[str, str], url: str, module: str, *args: str) -> dict[str, Any]:
    """Run bench.<module> in its own process against `url`; returns the figures it reports."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=REPO,
        env={**env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line.removeprefix(RESULT_PREFIX))
    last = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "no output")
    raise RuntimeError(f"bench.{module} failed (exit {done.returncode}): {last}\n{done.stdout}\n{done.stderr}")


# --- the benchmarks ----------------------------------------------------------------------------------


def bench_create(dbs: Any, env: dict[str, str], args: argparse.Namespace) -> list[Result]:
    runs = []
    for attempt in range(args.repeat):
        url = dbs.fresh("create")
        try:
            say(f"create on {dbs.label}: {args.cases:,} cases (run {attempt + 1}/{args.repeat})")
            runs.append(worker(env, url, "case_create", "--cases", str(args.cases)))
        finally:
            dbs.discard(url)
    best = max(runs, key=lambda run: run["rate"])
    checks = all(run["check_cases"] and run["check_audit"] for run in runs)
    note = (
        f"best of {len(runs)}: {[round(run['rate']) for run in runs]} cases/s; "
        f"{best['queries_per_case']} queries per case; {best['outbox_rows']:,} outbox task rows"
        + ("" if checks else "; WARNING: case or audit counts did not match")
    )
    return [Result("case_create", dbs.label, best["rate"], "cases/s", CREATE_TARGET, True, note)]


def bench_import(dbs: Any, env: dict[str, str], args: argparse.Namespace, path: Path, about: str) -> list[Result]:
    runs, copies = [], []
    for attempt in range(args.repeat):
        url = dbs.fresh("import")
        try:
            if dbs.label == "postgres":
                say(f"raw COPY of {path.name} on postgres (best of 3)")
                copies.append(boston_import.raw_copy(url, path))
            say(f"import on {dbs.label}: {path.name} (run {attempt + 1}/{args.repeat})")
            runs.append(boston_import.run_import({**env, "DATABASE_URL": url}, path, batch_size=args.batch_size))
        finally:
            dbs.discard(url)
    best = max(runs, key=lambda run: run["rate"])
    rates = [round(run["rate"]) for run in runs]
    note = (
        f"{about}; imported {best['imported']:,} (rejected {best['rejected']:,}) in {best['seconds']:.1f} s; "
        f"best of {len(runs)}: {rates} rows/s"
    )
    if dbs.label == "postgres":
        copy = max(copies, key=lambda c: c["rate"])
        target = IMPORT_PG_FRACTION * copy["rate"]
        note += f"; raw COPY {copy['rate']:,.0f} rows/s ({copy['seconds']:.2f} s), target = 0.2 × that"
    else:
        target = IMPORT_SQLITE_TARGET
    rss = max(run["max_rss_mb"] for run in runs)
    return [
        Result("boston import", dbs.label, best["rate"], "rows/s", target, True, note),
        Result("import peak RSS", dbs.label, rss, "MB", IMPORT_RSS_TARGET, False),
    ]


def bench_audit(dbs: Any, env: dict[str, str], args: argparse.Namespace) -> list[Result]:
    url = dbs.fresh("audit")
    try:
        say(f"audit on {dbs.label}: writing {args.events:,} events, then verify_audit × {args.repeat}")
        run = worker(env, url, "audit_verify", "--events", str(args.events), "--repeat", str(args.repeat))
    finally:
        dbs.discard(url)
    if not run["ok"] or run["verified"] != args.events:
        raise RuntimeError(f"verify_audit did not accept the generated chain: {run}")
    target = AUDIT_TARGET * args.events / 1_000_000
    times = ", ".join(f"{t:.1f}" for t in run["all_seconds"])
    note = (
        f"{run['verified']:,} events and {run['checkpoints']} checkpoints verified; "
        f"runs: {times} s; writing them took {run['fill_seconds']:.0f} s"
    )
    return [Result(f"verify_audit {args.events:,}", dbs.label, run["seconds"], "s", target, False, note)]


def bench_open311_post(dbs: Any, env: dict[str, str], args: argparse.Namespace) -> list[Result]:
    url = dbs.fresh("open311")
    try:
        say(f"open311 POST on {dbs.label}: {args.seconds:.0f} s per run, bare view and Open311 alternating")
        run = worker(env, url, "open311_post", "--seconds", str(args.seconds), "--workers", str(args.web_workers))
    finally:
        dbs.discard(url)
    bare, open311 = run["bare"], run["open311"]
    ratio = open311["rate"] / max(bare["rate"], 0.001)
    note = (
        f"Open311 {open311['rate']:,.0f} req/s, bare insert {bare['rate']:,.0f} req/s "
        f"(runs {run['all_rates']}); gunicorn --workers {run['workers']}, {run['clients']} clients, "
        f"{run['cpus']} CPUs shared with the clients; non-2xx: {open311['bad']} / {bare['bad']}"
    )
    return [Result("open311 POST ÷ bare insert", dbs.label, ratio, "×", OPEN311_POST_FRACTION, True, note)]


def open311_read_results(label: str, run: dict[str, Any], size: int, requests: int) -> list[Result]:
    results = []
    for name, what in (("default", "no filters"), ("open", "status=open"), ("extensions", "extensions=true")):
        figures = run[name]
        note = f"p50 {figures['p50_ms']:.1f} ms at {size:,} cases, {requests} requests, {what}; {figures['rows']} rows"
        if figures["rows"] != 1000:
            note += " — WARNING: not 1,000 rows"
        title = f"open311 GET 1,000 ({name}) p95"
        results.append(Result(title, label, figures["p95_ms"], "ms", OPEN311_READ_TARGET_MS, False, note))
    return results


def bench_console(dbs: Any, env: dict[str, str], args: argparse.Namespace, only: list[str]) -> list[Result]:
    """queue and search share one database grown through --sizes (generating 1M cases takes minutes)."""
    sizes = sorted(int(size) for size in args.sizes.split(","))
    measure = [name for name in ("queue", "search") if name in only]
    url = dbs.fresh("console")
    run: dict[str, Any] = {"generate_seconds": {}}
    portal: dict[str, Any] | None = None
    open311: dict[str, Any] | None = None
    # Pages render with DEBUG off, through the manifest static storage: it needs collectstatic.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    try:
        if measure:
            say(f"{'+'.join(measure)} on {dbs.label}: growing to {', '.join(f'{s:,}' for s in sizes)} synthetic cases")
            run = worker(
                env,
                url,
                "console_reads",
                "--sizes",
                ",".join(map(str, sizes)),
                "--requests",
                str(args.requests),
                "--measure",
                ",".join(measure),
            )
        if "portal" in only:
            say(f"portal on {dbs.label} at {sizes[-1]:,} synthetic cases")
            portal = worker(env, url, "portal_reads", "--size", str(sizes[-1]), "--requests", str(args.requests))
        if "open311" in only:
            say(f"open311 GET requests.json on {dbs.label} at {sizes[-1]:,} synthetic cases")
            open311 = worker(env, url, "open311_reads", "--size", str(sizes[-1]), "--requests", str(args.requests))
    finally:
        dbs.discard(url)
    small, large = str(sizes[0]), str(sizes[-1])
    made = "; ".join(f"{int(k):,} cases in {v:,.0f} s" for k, v in run.get("generate_seconds", {}).items())
    results = []
    if "queue" in measure:
        p95 = run["queue"][large]["p95_ms"]
        note = f"p50 {run['queue'][large]['p50_ms']:.1f} ms, {args.requests} requests; generated {made}"
        results.append(Result(f"queue p95 at {int(large):,}", dbs.label, p95, "ms", QUEUE_TARGET_MS, False, note))
        if small != large:
            growth = p95 / max(run["queue"][small]["p95_ms"], 0.001)
            note = f"p95 {run['queue'][small]['p95_ms']:.1f} ms at {int(small):,}, {p95:.1f} ms at {int(large):,}"
            results.append(Result("queue p95 growth", dbs.label, growth, "×", QUEUE_GROWTH_TARGET, False, note))
    if "search" in measure:
        word, ref = run["search"]["word"], run["search"]["reference"]
        matches = ", ".join(f"{w} {n:,}" for w, n in run["search"]["matches"].items())
        note = f"p50 {word['p50_ms']:.1f} ms at {int(large):,} cases; matching documents: {matches or 'n/a'}"
        results.append(Result("search word p95", dbs.label, word["p95_ms"], "ms", SEARCH_WORD_TARGET_MS, False, note))
        note = f"p50 {ref['p50_ms']:.1f} ms (a redirect to the case)"
        results.append(
            Result("search reference p95", dbs.label, ref["p95_ms"], "ms", SEARCH_REFERENCE_TARGET_MS, False, note)
        )
    if portal is not None:
        results.extend(portal_results(dbs.label, portal, sizes[-1], args.requests))
    if open311 is not None:
        results.extend(open311_read_results(dbs.label, open311, sizes[-1], args.requests))
    return results


def portal_results(label: str, run: dict[str, Any], size: int, requests: int) -> list[Result]:
    at = f"at {size:,} cases, {requests} requests"
    home, service, submit = run["home"], run["service"], run["submit"]
    return [
        Result(
            "portal home p95",
            label,
            home["p95_ms"],
            "ms",
            PORTAL_PAGE_TARGET_MS,
            False,
            f"p50 {home['p50_ms']:.1f} ms {at}",
        ),
        Result(
            "portal service page p95",
            label,
            service["p95_ms"],
            "ms",
            PORTAL_PAGE_TARGET_MS,
            False,
            f"p50 {service['p50_ms']:.1f} ms {at}; service {run['service_code']}",
        ),
        Result(
            "portal report p95",
            label,
            submit["p95_ms"],
            "ms",
            PORTAL_SUBMIT_TARGET_MS,
            False,
            f"p50 {submit['p50_ms']:.1f} ms {at}; form post + review (duplicate check) + submit; "
            f"{submit['reviews_with_duplicates']} reviews showed possible duplicates",
        ),
    ]


# --- main --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Civitas benchmarks (figures, targets, ratios).")
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        help="run only this benchmark (repeatable; default: all)",
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), help="default: both when PostgreSQL answers")
    parser.add_argument("--cases", type=int, default=2000, help="cases to create (default 2,000)")
    parser.add_argument("--events", type=int, default=1_000_000, help="audit events to verify (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each benchmark; the best counts")
    parser.add_argument("--sizes", default="100000,1000000", help="case counts for queue/search (default 100k,1M)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page (queue/search)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load per Open311 POST run (default 10)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers for the Open311 POST run")
    parser.add_argument("--import-file", type=Path, help="a Boston 311 CSV (default: the 2011 file)")
    parser.add_argument("--import-rows", type=int, help="import a synthetic Boston file of this many rows instead")
    parser.add_argument("--batch-size", type=int, help="pass --batch-size to import_cases (default: its own)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
        help=f"a PostgreSQL database to connect to for creating throwaway ones (default {DEFAULT_PG_URL})",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.repeat = max(args.repeat, 1)
    return args


def import_file(args: argparse.Namespace, workdir: Path) -> tuple[Path, str]:
    if args.import_rows:
        path = workdir / f"boston_synthetic_{args.import_rows}.csv"
        say(f"writing a synthetic Boston file of {args.import_rows:,} rows")
        boston_csv(path, args.import_rows)
        return path, f"synthetic Boston file ({args.import_rows:,} rows, bench/generate.py)"
    if args.import_file:
        return args.import_file, f"file {args.import_file}"
    if REAL_FILE.is_file():
        return REAL_FILE, f"file {REAL_FILE.name}"
    say(f"{REAL_FILE} is absent: falling back to the extract {EXTRACT.relative_to(REPO)}")
    return EXTRACT, f"FALLBACK to the extract {EXTRACT.name} ({REAL_FILE.name} is absent)"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = args.only or list(BENCHMARKS)
    if args.db is None:
        pg = postgres_answers(args.pg_url)
        kinds = ["sqlite", "postgres"] if pg else ["sqlite"]
        if not pg:
            say(f"PostgreSQL does not answer at {args.pg_url}: SQLite only")
        audit_kinds = ["sqlite"]  # PostgreSQL when asked for by --db
        console_kinds = ["postgres"] if pg else []  # SQLite when asked for by --db
    else:
        kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        audit_kinds = kinds
        console_kinds = kinds
    workdir = Path(tempfile.mkdtemp(prefix="civitas-bench-"))
    env = {key: value for key, value in os.environ.items() if key != "CIVITAS_TESTING"}
    # Production settings: DEBUG off (no query log, no debug cursor), with bench-only secrets.
    env.setdefault("DEBUG", "0")
    env.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    env.setdefault("ALLOWED_HOSTS", "localhost")
    env["AUDIT_HMAC_KEY"] = BENCH_AUDIT_KEY
    env["CIVITAS_VAR_DIR"] = str(workdir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    results: list[Result] = []
    started = time.perf_counter()
    try:
        path, about = import_file(args, workdir) if "import" in only else (None, "")
        for kind in kinds:
            dbs: Any = SqliteDatabases(workdir, env) if kind == "sqlite" else PostgresDatabases(args.pg_url, env)
            try:
                dbs.prepare()
                plan: list[tuple[str, Callable[[], list[Result]]]] = []
                if "create" in only:
                    plan.append(("case_create", lambda dbs=dbs: bench_create(dbs, env, args)))
                if "import" in only:
                    plan.append(("boston import", lambda dbs=dbs: bench_import(dbs, env, args, path, about)))
                if "open311" in only:
                    plan.append(("open311 POST", lambda dbs=dbs: bench_open311_post(dbs, env, args)))
                if "audit" in only and kind in audit_kinds:
                    plan.append(("verify_audit", lambda dbs=dbs: bench_audit(dbs, env, args)))
                if {"queue", "search", "portal", "open311"} & set(only) and kind in console_kinds:
                    plan.append(("queue/search/portal", lambda dbs=dbs: bench_console(dbs, env, args, only)))
                for name, step in plan:
                    try:
                        results.extend(step())
                    except Exception as exc:  # report it, go on with the others
                        traceback.print_exc()
                        results.append(Result(name, kind, 0, "", 1, True, error=str(exc).splitlines()[0]))
            finally:
                dbs.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(results)
    print(f"\n({time.perf_counter() - started:,.0f} s in all; DEBUG={env['DEBUG']}; {os.cpu_count()} CPUs)")
    if args.json:
        payload = [{**asdict(r), "ratio": r.ratio, "result": r.verdict} for r in results]
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if any(r.verdict == "ERROR" for r in results):
        return 2
    if args.strict and any(r.verdict == "MISS" for r in results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
