"""`python manage.py import_cases --format boston FILE`: bulk import with a progress bar.

Bad rows are reported with their line number and reason; the rest are imported. A second
run of the same file adds nothing (idempotent by source id).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from civitas.cases.importing import boston
from civitas.cases.services.imports import cases_import

FORMATS = {"boston": ("boston311", boston)}


class Command(BaseCommand):
    help = "Import cases from another system's export (formats: boston)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Path of the file to import.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--time-zone", default=None, help="Zone of the file's times (default per format).")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        source_system, parser = FORMATS[options["format"]]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = _count_lines(path)
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            _check_header(handle, parser)
            rows = parser.parse(handle, time_zone=options["time_zone"] or parser.DEFAULT_TIME_ZONE)
            with tqdm(total=total, unit="rows", disable=options["no_progress"], file=sys.stderr) as bar:
                try:
                    summary = cases_import(
                        actor=None,
                        rows=rows,
                        source_system=source_system,
                        label=path.name,
                        batch_size=options["batch_size"],
                        on_progress=bar.update,
                    )
                except UnicodeDecodeError as exc:
                    raise CommandError(f"{path} is not UTF-8 text ({exc.reason}).") from None
        elapsed = time.perf_counter() - started
        for error in summary.errors:
            self.stderr.write(f"{path.name}: {error}")
        if summary.rejected > len(summary.errors):
            self.stderr.write(f"… and {summary.rejected - len(summary.errors)} more rejected lines")
        rate = summary.imported / elapsed if elapsed else 0
        self.stdout.write(
            f"Imported {summary.imported}, skipped {summary.skipped} already present, "
            f"rejected {summary.rejected} bad rows, in {elapsed:.1f}s ({rate:,.0f} rows/s)."
        )


def _count_lines(path: Path) -> int:
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def _check_header(handle: Any, parser: Any) -> None:
    import csv

    position = handle.tell()
    try:
        header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise CommandError(f"The file is not UTF-8 text ({exc.reason}).") from None
    missing = parser.missing_columns(header)
    if missing:
        raise CommandError(f"Not a {parser.__name__.rsplit('.', 1)[-1]} file: missing columns {', '.join(missing)}.")
    handle.seek(position)
