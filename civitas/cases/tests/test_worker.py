"""The real database worker (`manage.py db_worker`) runs the tasks a service enqueued."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from civitas.cases.models import CaseDailyStat

ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def run_worker() -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "CIVITAS_TESTING": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_runs_enqueued_event_handlers(make_case, caseworker):
    cases = [make_case() for _ in range(3)]
    from civitas.cases.services import case_transition

    case_transition(actor=caseworker, case=cases[0], to_status="closed")
    # 4 events (3 created, 1 status change), one task per registered handler (rollup, search index, notifications)
    from civitas.core.events import handlers_for

    expected = 3 * len(handlers_for("case.created")) + len(handlers_for("case.status_changed"))
    assert DBTaskResult.objects.filter(status="READY").count() == expected
    result = run_worker()
    assert result.returncode == 0, result.stderr
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}, list(DBTaskResult.objects.values("status", "exception_class_path", "traceback"))
    stat = CaseDailyStat.objects.get(service_type=cases[0].service_type)
    assert (stat.opened, stat.closed) == (3, 1)
    # Idempotent: running the same handlers again changes nothing.
    from civitas.cases.handlers import refresh_daily_stats

    refresh_daily_stats(case_id=cases[0].pk)
    stat.refresh_from_db()
    assert (stat.opened, stat.closed) == (3, 1)
