"""`python manage.py verify_audit`: exit 0 when the chain is intact, 1 naming the first bad row."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from civitas.audit.verify import verify_audit


class Command(BaseCommand):
    help = "Verify the audit hash chain and its signed checkpoints."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = verify_audit()
        elapsed = time.perf_counter() - started
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {result.events} events, {result.checkpoints} checkpoints "
                    f"verified in {elapsed:.1f}s."
                )
            )
            return
        for problem in result.problems:
            self.stderr.write(self.style.ERROR(problem))
        if result.first_bad_seq is not None:
            self.stderr.write(self.style.ERROR(f"First bad row: #{result.first_bad_seq}"))
        raise SystemExit(1)
