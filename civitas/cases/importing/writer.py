"""Write parsed rows in batches: COPY on PostgreSQL, executemany on SQLite; one audit event per batch.

Idempotent by (source_system, source_id): rows already imported are skipped, so running the
same file twice adds nothing. Each batch commits on its own; a crash loses at most one batch,
and a re-run picks up where it stopped.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from civitas.audit.services import PendingEvent, audit_record_many
from civitas.cases.importing.rows import ImportRow
from civitas.cases.importing.taxonomy import Taxonomy
from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.cases.states import CaseStatus
from civitas.core.references import format_reference, reserve_numbers

CASE_COLUMNS = (
    "id",
    "reference",
    "tracking_token",
    "service_type_id",
    "department_id",
    "team_id",
    "status",
    "priority",
    "channel",
    "title",
    "description",
    "lat",
    "long",
    "address",
    "area",
    "attributes",
    "created_at",
    "updated_at",
    "resolution_due_at",
    "resolved_at",
    "closed_at",
    "first_response_at",
    "version",
    "source_system",
    "source_id",
)
ENTRY_COLUMNS = ("case_id", "kind", "is_public", "body", "data", "created_at")
# Per-connection SQLite settings for an import (see BatchWriter._tune_sqlite); journal_mode stays WAL and
# synchronous stays NORMAL, as config/env.py sets them.
SQLITE_IMPORT_PRAGMAS = (
    "PRAGMA cache_size=-65536",  # 64 MiB (the connection default is 20 MB)
    "PRAGMA wal_autocheckpoint=16384",  # pages (64 MiB at 4 KiB) instead of 1000
    "PRAGMA journal_size_limit=67108864",
)


@dataclass
class ImportSummary:
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)


class BatchWriter:
    def __init__(self, *, actor: Any, source_system: str, label: str) -> None:
        self.actor = actor
        self.source_system = source_system
        self.label = label
        self.taxonomy = Taxonomy(actor=actor, source=source_system)
        self.postgres = connection.vendor == "postgresql"
        # (service type, group, department, queue) → (service_type_id, department_id, team_id, priority)
        self._targets: dict[tuple[str, str, str, str], tuple[int, int, int | None, str]] = {}

    def write(self, rows: Sequence[ImportRow]) -> tuple[int, int]:
        """Import one batch in one transaction; returns (imported, skipped as already present)."""
        if not self.postgres:
            self._tune_sqlite()
        self.taxonomy.take_audit_events()  # nothing is left over from a batch that failed
        with transaction.atomic():
            fresh = self._fresh(rows)
            if fresh:
                ids = self._new_ids(Case, len(fresh))
                cases, entries = self._tuples(fresh, ids)
                self._insert(Case._meta.db_table, CASE_COLUMNS, cases)
                self._insert(TimelineEntry._meta.db_table, ENTRY_COLUMNS, entries)
                # What the taxonomy created for this batch, then the batch itself: one append to the chain.
                batch = PendingEvent(
                    action="import:case:batch",
                    actor_id=self.taxonomy.actor_id,
                    context={
                        "source": self.source_system,
                        "file": self.label,
                        "first_line": fresh[0].line,
                        "last_line": fresh[-1].line,
                        "imported": len(fresh),
                    },
                )
                audit_record_many([*self.taxonomy.take_audit_events(), batch])
        return len(fresh), len(rows) - len(fresh)

    def _tune_sqlite(self) -> None:
        """Settings of this connection that only trade memory for speed (durability is unchanged).

        A larger page cache keeps the case table's many indexes in memory between batches; a larger
        WAL before the automatic checkpoint copies each changed page back to the database file once
        every few batches instead of after every commit. The WAL file is truncated back to
        `journal_size_limit` after each checkpoint. The settings last as long as the connection
        (SQLite connections are never kept between requests: CONN_MAX_AGE is 0, see config/env.py).
        """
        with connection.cursor() as cursor:
            for pragma in SQLITE_IMPORT_PRAGMAS:
                cursor.execute(pragma)

    def _fresh(self, rows: Sequence[ImportRow]) -> list[ImportRow]:
        existing = self._existing([row.source_id for row in rows])
        seen: set[str] = set()
        fresh = []
        for row in rows:
            if row.source_id in existing or row.source_id in seen:
                continue
            seen.add(row.source_id)
            fresh.append(row)
        return fresh

    def _existing(self, wanted: list[str]) -> set[str]:
        """The source ids among `wanted` already imported from this source system.

        Looked up in the partial unique index on (source_system, source_id): the query repeats the
        index's condition (source_id <> '') so that both databases may use it, and on PostgreSQL the
        ids are probed one by one (a long IN list makes the planner scan every case of the source).
        """
        unique = list(dict.fromkeys(wanted))
        if not unique:
            return set()
        if "" in unique:  # the index does not hold empty ids: ask the plain question
            return set(
                Case.objects.filter(source_system=self.source_system, source_id__in=unique).values_list(
                    "source_id", flat=True
                )
            )
        table = Case._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT wanted.id FROM unnest(%s::text[]) AS wanted(id), LATERAL ("  # noqa: S608
                    f' SELECT 1 FROM {table} c WHERE c."source_system" = %s AND c."source_id" = wanted.id'
                    """ AND NOT (c."source_id" = '') LIMIT 1) AS found""",
                    [unique, self.source_system],
                )
            else:
                marks = ", ".join("%s" for _ in unique)
                cursor.execute(
                    f'SELECT "source_id" FROM {table} WHERE "source_system" = %s'  # noqa: S608
                    f""" AND "source_id" IN ({marks}) AND NOT ("source_id" = '')""",
                    [self.source_system, *unique],
                )
            return {source_id for (source_id,) in cursor.fetchall()}

    def _references(self, rows: Sequence[ImportRow]) -> list[str]:
        zone = timezone.get_current_timezone()
        years = [row.created_at.astimezone(zone).year for row in rows]
        by_year: dict[int, int] = defaultdict(int)
        for year in years:
            by_year[year] += 1
        pools = {year: iter(reserve_numbers(year=year, count=count)) for year, count in by_year.items()}
        from django.conf import settings

        prefix = settings.CIVITAS_REFERENCE_PREFIX
        return [format_reference(prefix, year, next(pools[year])) for year in years]

    def _target(self, row: ImportRow) -> tuple[int, int, int | None, str]:
        """Service type, department, team and priority of a row (asked of the taxonomy once per combination)."""
        key = (row.service_type, row.group, row.department, row.queue)
        target = self._targets.get(key)
        if target is None:
            service_type = self.taxonomy.service_type(row.service_type, group=row.group, department=row.department)
            department = self.taxonomy.department(row.department)
            team = self.taxonomy.team(department, row.queue)
            target = (
                service_type.pk,
                service_type.department_id,
                team.pk if team and team.department_id == service_type.department_id else None,
                service_type.default_priority,
            )
            self._targets[key] = target
        return target

    def _tuples(self, rows: Sequence[ImportRow], ids: list[int]) -> tuple[list[tuple], list[tuple]]:
        """The case rows and their timeline rows.

        An imported case gets at most one timeline entry: when it was closed, the closure text as a
        public update (or, without text, a status change), marked with the status it moved to. Its
        creation is the case's own created_at and channel; the import batch is in the audit chain.
        """
        now = self._t(timezone.now())
        source_system = self.source_system
        closed_data = json.dumps({"from": CaseStatus.OPEN, "to": CaseStatus.CLOSED})
        public_update, status_change = EntryKind.PUBLIC_UPDATE, EntryKind.STATUS_CHANGE
        closed_status = CaseStatus.CLOSED
        t = self._t
        target = self._target
        token = secrets.token_urlsafe
        cases: list[tuple] = []
        entries: list[tuple] = []
        add_case, add_entry = cases.append, entries.append
        for case_id, row, reference in zip(ids, rows, self._references(rows), strict=True):
            service_type_id, department_id, team_id, priority = target(row)
            created = t(row.created_at)
            closed_at = t(row.closed_at)
            closed = closed_at if row.status == closed_status else None
            add_case(
                (
                    case_id,
                    reference,
                    token(24),
                    service_type_id,
                    department_id,
                    team_id,
                    row.status,
                    priority,
                    row.channel,
                    row.title,
                    "",
                    row.lat,
                    row.long,
                    row.address,
                    row.area,
                    "{}",
                    created,
                    closed or now,
                    t(row.resolution_due_at),
                    closed,
                    closed,
                    closed,
                    1,
                    source_system,
                    row.source_id,
                )
            )
            if closed is None:
                continue
            if row.closure_text:
                add_entry((case_id, public_update, True, row.closure_text, closed_data, closed))
            else:
                add_entry((case_id, status_change, True, "", closed_data, closed))
        return cases, entries

    def _t(self, moment: datetime | None) -> Any:
        """PostgreSQL takes aware datetimes; Django keeps SQLite datetimes as naive UTC text."""
        if moment is None or self.postgres:
            return moment
        # Equal to str(moment.astimezone(UTC).replace(tzinfo=None)): drop the "+00:00" suffix instead.
        return moment.astimezone(UTC).isoformat(" ")[:-6]

    def _new_ids(self, model: type[Model], count: int) -> list[int]:
        """Primary keys for `count` new rows, taken before the insert so no read-back is needed."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so nobody else inserts.
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM {table}')  # noqa: S608
            (last,) = cursor.fetchone()
        return list(range(last + 1, last + count + 1))

    def _insert(self, table: str, columns: Iterable[str], rows: list[tuple]) -> None:
        names = ", ".join(f'"{name}"' for name in columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
            else:
                marks = ", ".join("%s" for _ in range(len(rows[0]) if rows else 0))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
