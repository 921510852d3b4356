"""Build the search documents of cases written without events (imports, the demo seed)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from civitas.search.indexing import reindex


class Command(BaseCommand):
    help = "Build missing or stale search documents (--all: rebuild every one)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="rebuild every document, not only stale ones")
        parser.add_argument("--batch-size", type=int, default=20_000, help="cases per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        written = reindex(everything=options["all"], batch_size=options["batch_size"])
        seconds = time.perf_counter() - started
        self.stdout.write(f"search index: {written:,} documents written in {seconds:.1f} s")
