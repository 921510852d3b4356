"""A fast synthetic case load shaped on the Boston 311 data (for the queue and search benchmarks).

    python -m bench.synthetic_cases --cases 1000000      # DATABASE_URL names the database

Departments (Boston "subject"), teams ("queue"), service groups ("reason") and service types ("type")
come from the real extract in tests/data with their real frequencies; each case copies a real row's
category, title, place and source, gets a description of realistic length made from phrases about its
type and place, a creation time spread over three years, an open/closed mix like a city's backlog
(about half of the last 60 days still open, a few percent of older cases), a due time from its service
type, and an assignee among a few staff of its team for most cases. Closed cases carry their closure
timeline entry (the closure text, as the Boston import writes it), about one case in six an internal
note. The search documents are written in the same pass, so the index is complete at the end.

PostgreSQL: COPY for every table, the GIN index dropped during the load and rebuilt after, ANALYZE.
SQLite: batched executemany (the FTS5 triggers index as rows arrive). Runs again to grow the same
database: it adds only the cases that are missing up to --cases.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import _django
from bench.generate import EXTRACT

YEARS = 3
RECENT_DAYS = 60
BATCH = 20_000
PHRASES = (
    "Resident reports that {what} at {where}.",
    "Caller says {what} near {where}, it has been like this for a week.",
    "{what} outside {where}; please send a crew.",
    "Neighbours have complained several times that {what} on the street by {where}.",
    "Reported again: {what} close to {where}. Children walk past here to school every morning.",
    "Photo attached. {what} at {where} and it is getting worse after the rain.",
)
NOTES = (
    "Crew inspected the site and will return with parts.",
    "Called the resident back, no answer; left a voicemail.",
    "Duplicate of an earlier report at the same street corner.",
    "Contractor scheduled for next week.",
    "Referred to the district supervisor for a site visit.",
)
CHANNELS = {
    "Constituent Call": "phone",
    "Employee Generated": "staff",
    "Self Service": "web",
    "Citizens Connect App": "web",
}
OPEN_STATUSES = ("new", "open", "in_progress", "waiting")


@dataclass
class Category:
    department_id: int
    team_id: int | None
    service_type_id: int
    hours: int
    title: str


def _slug(text: str, limit: int) -> str:
    from django.utils.text import slugify

    return (slugify(text) or "x")[:limit]


def sample_rows() -> list[dict[str, str]]:
    with EXTRACT.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["type"] and row["subject"]]


def category_key(row: dict[str, str]) -> str:
    return f"{row['subject']}|{row['queue']}|{row['type']}"


def ensure_catalog(rows: list[dict[str, str]], rng: random.Random) -> tuple[dict[str, Category], dict[int, list[int]]]:
    """Departments, teams, groups, service types and staff from the extract (idempotent)."""
    from civitas.accounts.models import Department, Membership, Team, User
    from civitas.catalog.models import ServiceGroup, ServiceType

    categories: dict[str, Category] = {}
    staff: dict[int, list[int]] = {}
    for row in rows:
        key = category_key(row)
        if key in categories:
            continue
        department, _ = Department.objects.get_or_create(
            code=_slug(row["subject"], 40), defaults={"name": row["subject"][:200]}
        )
        team, _ = Team.objects.get_or_create(
            department=department, code=_slug(row["queue"], 40), defaults={"name": row["queue"][:200]}
        )
        group, _ = ServiceGroup.objects.get_or_create(code=_slug(row["reason"], 60), defaults={"name": row["reason"]})
        hours = rng.choice((48, 72, 120, 336))
        service_type, _ = ServiceType.objects.get_or_create(
            code=_slug(f"{department.code}-{row['type']}", 40),
            defaults={
                "name": row["type"][:200],
                "group": group,
                "department": department,
                "default_team": team,
                "resolution_target_hours": hours,
            },
        )
        if team.pk not in staff:
            staff[team.pk] = _team_staff(team, department, User, Membership)
        categories[key] = Category(
            department.pk, team.pk, service_type.pk, service_type.resolution_target_hours or 72, row["case_title"]
        )
    return categories, staff


def _team_staff(team: Any, department: Any, user_model: Any, membership: Any) -> list[int]:
    ids = []
    for n in range(4):
        user, created = user_model.objects.get_or_create(
            email=f"crew{n}.{team.pk}@bench.example", defaults={"password": "!", "display_name": f"Crew {n}"}
        )
        if created:
            membership.objects.create(user=user, role="caseworker", department=department, team=team)
        ids.append(user.pk)
    return ids


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def case_rows(
    first_id: int, count: int, rows: list[dict[str, str]], catalog: dict[str, Category], staff: dict[int, list[int]]
) -> Iterator[tuple[tuple, list[tuple], tuple]]:
    """(case row, timeline rows, search document row) for ids first_id … first_id + count - 1."""
    rng = random.Random(first_id)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    span = YEARS * 365 * 86400
    for case_id in range(first_id, first_id + count):
        row = rng.choice(rows)
        category = catalog[category_key(row)]
        created = now - timedelta(seconds=rng.randrange(span))
        recent = (now - created).days < RECENT_DAYS
        is_open = rng.random() < (0.5 if recent else 0.03)
        status = rng.choice(OPEN_STATUSES) if is_open else rng.choice(("closed", "closed", "closed", "resolved"))
        due = created + timedelta(hours=category.hours)
        closed = None if is_open else min(now, created + timedelta(minutes=rng.lognormvariate(7, 2)))
        place = (row["location"] or "Boston").split("  ")[0].strip().title()
        description = " ".join(
            rng.choice(PHRASES).format(what=category.title.lower() or "a problem", where=place)
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 5)))
        )
        team_staff = staff.get(category.team_id or 0) or [None]
        assignee = rng.choice(team_staff) if rng.random() < 0.6 else None
        lat = float(row["latitude"]) + rng.uniform(-0.004, 0.004) if row["latitude"] else None
        lon = float(row["longitude"]) + rng.uniform(-0.004, 0.004) if row["longitude"] else None
        updated = closed or created
        case = {
            "id": case_id,
            "reference": f"SR-{created.year}-{case_id:06d}",
            "tracking_token": f"bench{case_id:x}{rng.getrandbits(96):024x}",
            "service_type_id": category.service_type_id,
            "department_id": category.department_id,
            "team_id": category.team_id,
            "assignee_id": assignee,
            "status": status,
            "priority": "high" if rng.random() < 0.05 else "normal",
            "channel": CHANNELS.get(row["source"], "other"),
            "title": category.title[:200],
            "description": description,
            "lat": lat,
            "long": lon,
            "address": place[:300],
            "area": row["neighborhood"][:120],
            "attributes": "{}",
            "requester_id": None,
            "created_at": _stamp(created),
            "updated_at": _stamp(updated),
            "response_due_at": None,
            "resolution_due_at": _stamp(due),
            "first_response_at": None,
            "resolved_at": _stamp(closed) if closed else None,
            "closed_at": _stamp(closed) if closed and status == "closed" else None,
            "merged_into_id": None,
            "version": 1,
            "source_system": "bench",
            "source_id": "",
        }
        entries: list[tuple] = []
        if closed:
            text = (row["closure_reason"] or "Case closed.").strip()
            entries.append((case_id, "status_change", True, text, '{"to": "closed"}', None, _stamp(closed)))
        if rng.random() < 0.17:
            entries.append((case_id, "internal_note", False, rng.choice(NOTES), "{}", assignee, _stamp(updated)))
        body = "\n".join(
            part for part in (case["title"], description, case["address"], *(e[3] for e in entries)) if part
        )
        yield case, entries, (case_id, category.department_id, body, _stamp(updated))


LOADED_TABLES = ("cases_case", "cases_timelineentry", "search_searchdocument")


def say(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def drop_secondary_indexes(tables: tuple[str, ...]) -> list[str]:
    """PostgreSQL: drop the indexes that back no constraint (rebuilt after the load, much faster)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(tables)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


class Writer:
    """Appends rows to tables: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"

    def write(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("%s" for _ in columns)
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def advance_reference_counters() -> None:
    """Move the reference counters past the numbers the generator wrote (SR-<year>-<case id>), so that
    cases created afterwards through case_create get fresh references (every year: ids are unique)."""
    from django.db.models import Max
    from django.db.models.functions import ExtractYear
    from django.utils import timezone

    from civitas.cases.models import Case
    from civitas.core.models import ReferenceCounter

    last = Case.objects.aggregate(last=Max("id"))["last"] or 0
    years = set(Case.objects.annotate(year=ExtractYear("created_at")).values_list("year", flat=True).distinct())
    for year in years | {timezone.now().year, timezone.now().year + 1}:
        ReferenceCounter.objects.update_or_create(prefix="SR", year=year, defaults={"value": last})


def generate(total: int, *, progress: bool = True) -> dict[str, Any]:
    """Grow the database to `total` synthetic cases; returns what was written and how long it took."""
    from django.db import connection, transaction

    from civitas.cases.models import Case

    started = time.perf_counter()
    rng = random.Random(2011)
    rows = sample_rows()
    catalog, staff = ensure_catalog(rows, rng)
    have = Case.objects.count()
    first = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    missing = max(0, total - have)
    writer = Writer()
    columns = [f.column for f in Case._meta.concrete_fields]
    entry_columns = ["case_id", "kind", "is_public", "body", "data", "author_id", "created_at"]
    doc_columns = ["case_id", "department_id", "body", "updated_at"]
    rebuild: list[str] = []
    if writer.pg and missing:
        rebuild = drop_secondary_indexes(LOADED_TABLES)
        with connection.cursor() as cursor:  # the rows are consistent by construction: skip FK triggers
            cursor.execute("SET session_replication_role = replica")
    written_entries = 0
    done = 0
    while done < missing:
        size = min(BATCH, missing - done)
        cases, entries, docs = [], [], []
        for case, case_entries, doc in case_rows(first + done, size, rows, catalog, staff):
            cases.append(tuple(case[c] for c in columns))
            entries.extend(case_entries)
            docs.append(doc)
        with transaction.atomic():
            writer.write("cases_case", columns, cases)
            writer.write("cases_timelineentry", entry_columns, entries)
            writer.write("search_searchdocument", doc_columns, docs)
        done += size
        written_entries += len(entries)
        if progress:
            say(f"{have + done:,} cases ({time.perf_counter() - started:,.0f} s)")
    if writer.pg and missing:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for statement in rebuild:
                if progress:
                    say(f"{statement[:100]} ({time.perf_counter() - started:,.0f} s)")
                cursor.execute(statement)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
            )
            cursor.execute("ANALYZE")
    if missing:
        advance_reference_counters()
    return {
        "cases": have + missing,
        "added": missing,
        "entries": written_entries,
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    _django.setup()
    result = generate(args.cases)
    _django.report(**result)


if __name__ == "__main__":
    main()
