"""`python manage.py scheduler`: enqueue periodic jobs when they are due.

Safe to run several at once: each due run is claimed atomically by exactly one process.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from civitas.core import scheduler


class Command(BaseCommand):
    help = "Run the periodic job scheduler (Ctrl-C to stop)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")
        parser.add_argument("--interval", type=float, default=None, help="Seconds between ticks.")

    def handle(self, *args: Any, once: bool = False, interval: float | None = None, **options: Any) -> None:
        from django.conf import settings

        interval = interval or float(settings.SCHEDULER_TICK_SECONDS)
        worker = f"{socket.gethostname()}:{os.getpid()}"
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        jobs = ", ".join(job.name for job in scheduler.registered_jobs())
        self.stdout.write(f"scheduler {worker} started; jobs: {jobs}")
        while self.running:
            close_old_connections()
            for name in scheduler.tick(worker=worker):
                self.stdout.write(f"enqueued {name}")
            if once:
                return
            self._sleep(interval)

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.running and time.monotonic() < end:
            time.sleep(min(0.5, end - time.monotonic()))

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False
