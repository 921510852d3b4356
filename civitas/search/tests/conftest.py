"""Fixtures for search tests: two departments with a service type each, and a way to run the outbox."""

from __future__ import annotations

import pytest

from civitas.accounts.roles import Role
from civitas.catalog.models import ServiceGroup, ServiceType


@pytest.fixture
def service_types(department, other_department):
    group = ServiceGroup.objects.create(code="streets", name="Streets")
    return {
        "works": ServiceType.objects.create(
            code="light", name="Street light", group=group, department=department, resolution_target_hours=72
        ),
        "parks": ServiceType.objects.create(
            code="tree", name="Tree", group=group, department=other_department, resolution_target_hours=72
        ),
    }


@pytest.fixture
def worker(make_staff, department):
    return make_staff(Role.CASEWORKER, department, email="worker@city.example")


@pytest.fixture
def parks_worker(make_staff, other_department):
    return make_staff(Role.CASEWORKER, other_department, email="parks@city.example")


def run_outbox() -> int:
    """Run every queued event-handler task as the worker would; returns how many ran."""
    from django_tasks_db.models import DBTaskResult

    from civitas.core.tasks import run_event_handler

    ran = 0
    for row in DBTaskResult.objects.filter(task_path="civitas.core.tasks.run_event_handler").order_by("enqueued_at"):
        run_event_handler.call(**row.args_kwargs["kwargs"])
        row.delete()
        ran += 1
    return ran
