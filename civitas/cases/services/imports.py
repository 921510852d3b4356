"""cases_import: bulk import through the batch writer, reporting bad rows without stopping."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from civitas.accounts.permissions import require
from civitas.cases.importing.rows import ImportRow, RowError
from civitas.cases.importing.writer import BatchWriter, ImportSummary

MAX_REPORTED_ERRORS = 1000


def cases_import(
    *,
    actor: Any,
    rows: Iterable[ImportRow | RowError],
    source_system: str,
    label: str,
    batch_size: int = 2000,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import parsed rows; `actor` None means the operator at the command line."""
    if actor is not None:
        require(actor, "case.import")
    writer = BatchWriter(actor=actor, source_system=source_system, label=label)
    summary = ImportSummary()
    batch: list[ImportRow] = []
    for item in rows:
        if isinstance(item, RowError):
            summary.rejected += 1
            if len(summary.errors) < MAX_REPORTED_ERRORS:
                summary.errors.append(str(item))
        else:
            batch.append(item)
        if len(batch) >= batch_size:
            _flush(writer, batch, summary, on_progress)
            batch = []
    if batch:
        _flush(writer, batch, summary, on_progress)
    if summary.imported:
        from civitas.cases.tasks import rebuild_daily_stats

        rebuild_daily_stats.enqueue()
    return summary


def _flush(
    writer: BatchWriter, batch: list[ImportRow], summary: ImportSummary, on_progress: Callable[[int], None] | None
) -> None:
    imported, skipped = writer.write(batch)
    summary.imported += imported
    summary.skipped += skipped
    if on_progress:
        on_progress(len(batch))
