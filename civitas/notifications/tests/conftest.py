"""Fixtures for notification tests: a service type with a Spanish name, residents, and ways to run the queue."""

from __future__ import annotations

import pytest

from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.people.models import ContactKind, ContactPoint, Person

HANDLER_TASK = "civitas.core.tasks.run_event_handler"
DELIVERY_TASK = "civitas.notifications.tasks.deliver_notification"


@pytest.fixture(autouse=True)
def _portal_urls(settings):
    settings.ROOT_URLCONF = "civitas.notifications.tests.urls"
    settings.SITE_URL = "https://city.example"


@pytest.fixture
def service_type(department):
    group = ServiceGroup.objects.create(code="streets", name="Streets")
    return ServiceType.objects.create(
        code="streetlight",
        name="Street light out",
        name_es="Farola apagada",
        group=group,
        department=department,
        resolution_target_hours=72,
    )


@pytest.fixture
def caseworker(make_staff, department):
    return make_staff("caseworker", department)


@pytest.fixture
def make_person(db):
    def make(*, email: str | None = None, phone: str | None = None, **fields) -> Person:
        person = Person.objects.create(**fields)
        if email:
            ContactPoint.objects.create(person=person, kind=ContactKind.EMAIL, value=email, is_primary=True)
        if phone:
            ContactPoint.objects.create(person=person, kind=ContactKind.PHONE, value=phone, is_primary=True)
        return person

    return make


@pytest.fixture
def resident(make_person):
    return make_person(email="ana@example.org")


@pytest.fixture
def make_case(service_type, caseworker):
    from civitas.cases.services import case_create

    def make(**overrides):
        values = {"actor": caseworker, "service_type": service_type, "channel": "phone", "description": "Out."}
        values.update(overrides)
        return case_create(**values)

    return make


def run_handlers() -> int:
    """Run every queued event-handler task as the worker would (each once); returns how many ran."""
    from django_tasks_db.models import DBTaskResult

    from civitas.core.tasks import run_event_handler

    ran = 0
    for row in DBTaskResult.objects.filter(task_path=HANDLER_TASK).order_by("enqueued_at"):
        row.delete()
        run_event_handler.call(**row.args_kwargs["kwargs"])
        ran += 1
    return ran


def run_deliveries() -> list[str]:
    """Run queued delivery tasks (due now or later) in order; returns their outcomes."""
    from django_tasks_db.models import DBTaskResult

    from civitas.notifications.tasks import deliver_notification

    outcomes = []
    for row in DBTaskResult.objects.filter(task_path=DELIVERY_TASK).order_by("enqueued_at"):
        row.delete()
        outcomes.append(deliver_notification.call(**row.args_kwargs["kwargs"]))
    return outcomes


def delivery_rows() -> list[dict]:
    from django_tasks_db.models import DBTaskResult

    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(task_path=DELIVERY_TASK)]
