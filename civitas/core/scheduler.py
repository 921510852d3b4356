"""Periodic jobs, claimed atomically so that several schedulers can run at once.

Each job is a row in ScheduledJob. A scheduler claims the next run with one conditional
UPDATE (`next_run_at <= now` → `next_run_at = now + interval`): only the process whose
UPDATE changed the row enqueues the job's task, in the same transaction. On PostgreSQL the
second UPDATE waits for the first and then sees the moved `next_run_at`; on SQLite writes
are serialised. Either way exactly one scheduler acts per due run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from civitas.core.models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval: timedelta
    task_path: str  # dotted path of a django-tasks Task taking no arguments


_jobs: dict[str, Job] = {}


def register(name: str, *, every: timedelta, task_path: str) -> None:
    _jobs[name] = Job(name=name, interval=every, task_path=task_path)


def registered_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def ensure_rows(now: datetime) -> None:
    for job in registered_jobs():
        ScheduledJob.objects.get_or_create(
            name=job.name,
            defaults={"interval_seconds": int(job.interval.total_seconds()), "next_run_at": now},
        )


def claim(job: Job, *, now: datetime, worker: str) -> bool:
    """Try to claim the due run of `job`; True when this caller won it."""
    updated = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=now + job.interval,
        last_run_at=now,
        last_claimed_by=worker[:100],
        interval_seconds=int(job.interval.total_seconds()),
    )
    return updated == 1


def tick(*, worker: str, now: datetime | None = None) -> list[str]:
    """Enqueue every due job this scheduler wins; returns the names it enqueued."""
    now = now or timezone.now()
    ensure_rows(now)
    started: list[str] = []
    for job in registered_jobs():
        with transaction.atomic():
            if not claim(job, now=now, worker=worker):
                continue
            import_string(job.task_path).enqueue()
            ScheduledJob.objects.filter(name=job.name).update(run_count=F("run_count") + 1)
        started.append(job.name)
        logger.info("scheduler %s enqueued %s", worker, job.name)
    return started
