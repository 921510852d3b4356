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

from civitas.audit.services import audit_record
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

    def write(self, rows: Sequence[ImportRow]) -> tuple[int, int]:
        """Import one batch in one transaction; returns (imported, skipped as already present)."""
        with transaction.atomic():
            fresh = self._fresh(rows)
            if fresh:
                ids = self._new_ids(Case, len(fresh))
                self._insert(Case._meta.db_table, CASE_COLUMNS, self._case_tuples(fresh, ids))
                self._insert(TimelineEntry._meta.db_table, ENTRY_COLUMNS, self._entry_tuples(fresh, ids))
                audit_record(
                    actor=self.actor,
                    action="import:case:batch",
                    context={
                        "source": self.source_system,
                        "file": self.label,
                        "first_line": fresh[0].line,
                        "last_line": fresh[-1].line,
                        "imported": len(fresh),
                    },
                )
        return len(fresh), len(rows) - len(fresh)

    def _fresh(self, rows: Sequence[ImportRow]) -> list[ImportRow]:
        wanted = [row.source_id for row in rows]
        existing = set(
            Case.objects.filter(source_system=self.source_system, source_id__in=wanted).values_list(
                "source_id", flat=True
            )
        )
        seen: set[str] = set()
        fresh = []
        for row in rows:
            if row.source_id in existing or row.source_id in seen:
                continue
            seen.add(row.source_id)
            fresh.append(row)
        return fresh

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

    def _case_tuples(self, rows: Sequence[ImportRow], ids: list[int]) -> list[tuple]:
        now = timezone.now()
        out = []
        for case_id, row, reference in zip(ids, rows, self._references(rows), strict=True):
            service_type = self.taxonomy.service_type(row.service_type, group=row.group, department=row.department)
            department = self.taxonomy.department(row.department)
            team = self.taxonomy.team(department, row.queue)
            closed = row.closed_at if row.status == CaseStatus.CLOSED else None
            out.append(
                (
                    case_id,
                    reference,
                    secrets.token_urlsafe(24),
                    service_type.pk,
                    service_type.department_id,
                    team.pk if team and team.department_id == service_type.department_id else None,
                    row.status,
                    service_type.default_priority,
                    row.channel,
                    row.title,
                    "",
                    row.lat,
                    row.long,
                    row.address,
                    row.area,
                    "{}",
                    self._t(row.created_at),
                    self._t(closed or now),
                    self._t(row.resolution_due_at),
                    self._t(closed),
                    self._t(closed),
                    self._t(closed),
                    1,
                    self.source_system,
                    row.source_id,
                )
            )
        return out

    def _entry_tuples(self, rows: Sequence[ImportRow], ids: list[int]) -> list[tuple]:
        created = json.dumps({"event": "created", "channel": "import", "source": self.source_system})
        out = []
        for case_id, row in zip(ids, rows, strict=True):
            out.append((case_id, EntryKind.SYSTEM, True, "", created, self._t(row.created_at)))
            if row.closed_at is None:
                continue
            if row.closure_text:
                out.append((case_id, EntryKind.PUBLIC_UPDATE, True, row.closure_text, "{}", self._t(row.closed_at)))
            change = json.dumps({"from": CaseStatus.OPEN, "to": CaseStatus.CLOSED})
            out.append((case_id, EntryKind.STATUS_CHANGE, True, "", change, self._t(row.closed_at)))
        return out

    def _t(self, moment: datetime | None) -> Any:
        """PostgreSQL takes aware datetimes; Django keeps SQLite datetimes as naive UTC text."""
        if moment is None or self.postgres:
            return moment
        return str(moment.astimezone(UTC).replace(tzinfo=None))

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
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("%s" for _ in range(len(rows[0]) if rows else 0))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
