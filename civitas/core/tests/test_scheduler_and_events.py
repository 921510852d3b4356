"""Periodic jobs are claimed by exactly one scheduler; events become task rows in the transaction."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civitas.core import events, scheduler
from civitas.core.models import ScheduledJob
from civitas.core.tasks import backoff_seconds, run_event_handler

CALLS: list[dict] = []


def recording_handler(**payload):
    CALLS.append(payload)


def failing_handler(**payload):
    raise RuntimeError("downstream is down")


@pytest.mark.django_db
def test_tick_enqueues_due_jobs_once():
    now = timezone.now()
    first = scheduler.tick(worker="a", now=now)
    assert "audit.checkpoint" in first
    assert scheduler.tick(worker="b", now=now + timedelta(seconds=1)) == []
    job = ScheduledJob.objects.get(name="audit.checkpoint")
    assert job.last_claimed_by == "a"
    assert DBTaskResult.objects.filter(task_path="civitas.audit.tasks.write_checkpoint").count() == 1


@pytest.mark.django_db
def test_job_runs_again_after_its_interval():
    now = timezone.now()
    scheduler.tick(worker="a", now=now)
    later = now + timedelta(days=2)
    assert "tasks.prune_finished" in scheduler.tick(worker="b", now=later)


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_only_one_acts():
    """Two threads (two connections) tick at the same moment, many times; each run is claimed once."""
    start = timezone.now()
    scheduler.ensure_rows(start)
    won: dict[str, list[str]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        try:
            for step in range(5):
                barrier.wait(timeout=30)
                won[name] += scheduler.tick(worker=name, now=start + timedelta(days=step))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in won]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    claims = won["a"] + won["b"]
    jobs = {job.name for job in scheduler.registered_jobs()}
    for job in jobs:
        assert claims.count(job) == 5, (job, won)
    total = DBTaskResult.objects.count()
    assert total == len(claims)


@pytest.mark.django_db
def test_publish_writes_task_rows_inside_the_transaction():
    events.register("test.happened", "civitas.core.tests.test_scheduler_and_events.recording_handler")
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.happened", thing_id=1)
        raise RuntimeError("the service failed after publishing")
    assert DBTaskResult.objects.count() == 0
    with transaction.atomic():
        assert events.publish("test.happened", thing_id=2) == 1
    row = DBTaskResult.objects.get()
    assert row.task_path == "civitas.core.tasks.run_event_handler"
    assert row.args_kwargs["kwargs"]["payload"] == {"thing_id": 2}


def second_recording_handler(**payload):
    CALLS.append({"second": True, **payload})


@pytest.mark.django_db
def test_several_handlers_are_enqueued_in_one_insert_and_run_like_single_rows(django_assert_num_queries):
    events.register("test.twice", "civitas.core.tests.test_scheduler_and_events.recording_handler")
    events.register("test.twice", "civitas.core.tests.test_scheduler_and_events.second_recording_handler")
    assert not DBTaskResult.objects.exists()  # (opens the connection: its set-up is not counted below)
    with transaction.atomic(), django_assert_num_queries(1):
        assert events.publish("test.twice", thing_id=7) == 2
    run_event_handler.enqueue(
        handler_path="civitas.core.tests.test_scheduler_and_events.recording_handler",
        event="test.single",
        payload={"thing_id": 8},
        attempt=1,
    )
    rows = list(DBTaskResult.objects.order_by("enqueued_at"))
    single = rows[-1]
    for row in rows:  # the batched rows look exactly like the backend's own
        assert (row.status, row.priority, row.queue_name, row.backend_name, row.task_path) == (
            single.status,
            single.priority,
            single.queue_name,
            single.backend_name,
            single.task_path,
        )
        assert row.run_after == single.run_after and row.enqueued_at is not None
    CALLS.clear()
    for row in DBTaskResult.objects.ready():
        row.task.call(**row.args_kwargs["kwargs"])
    assert {"thing_id": 7} in CALLS and {"second": True, "thing_id": 7} in CALLS and {"thing_id": 8} in CALLS


def test_payload_must_be_ids():
    with pytest.raises(ValueError, match="personal data"):
        events.publish("test.happened", email="someone@example.com")


@pytest.mark.django_db
def test_failed_handler_is_retried_with_backoff():
    path = "civitas.core.tests.test_scheduler_and_events.failing_handler"
    with pytest.raises(RuntimeError):
        run_event_handler.call(handler_path=path, event="x", payload={"thing_id": 1}, attempt=1)
    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after >= timezone.now() + timedelta(seconds=backoff_seconds(1) - 5)


@pytest.mark.django_db
def test_handler_gives_up_after_max_attempts():
    from civitas.core.tasks import MAX_ATTEMPTS

    path = "civitas.core.tests.test_scheduler_and_events.failing_handler"
    with pytest.raises(RuntimeError):
        run_event_handler.call(handler_path=path, event="x", payload={}, attempt=MAX_ATTEMPTS)
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_handler_success():
    CALLS.clear()
    path = "civitas.core.tests.test_scheduler_and_events.recording_handler"
    assert run_event_handler.call(handler_path=path, event="x", payload={"thing_id": 7}) == "ok"
    assert CALLS == [{"thing_id": 7}]
