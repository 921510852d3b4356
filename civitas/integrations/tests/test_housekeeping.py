"""Housekeeping of the integrations app, and NUL characters refused by the domain (a 500 on PostgreSQL before)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civitas.catalog.definitions import service_definition
from civitas.core import scheduler
from civitas.core.errors import ValidationError
from civitas.integrations.models import IdempotencyRecord
from civitas.integrations.tasks import expire_idempotency_records
from civitas.people.services import person_find_or_create_by_contact


def test_the_scheduler_expires_idempotency_records_hourly():
    jobs = {job.name: job for job in scheduler.registered_jobs()}
    job = jobs["integrations.expire_idempotency"]
    assert job.interval == timedelta(hours=1)
    assert job.task_path == "civitas.integrations.tasks.expire_idempotency_records"


@pytest.mark.django_db
def test_expiry_deletes_only_old_records(department_admin, settings):
    from civitas.integrations.keys import api_key_issue

    key = api_key_issue(actor=department_admin, kind="application", name="app").key
    old = IdempotencyRecord.objects.create(
        api_key=key, key="old", method="POST", path="/api/v1/cases", request_hash="0" * 64
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS + 1)
    )
    IdempotencyRecord.objects.create(api_key=key, key="new", method="POST", path="/api/v1/cases", request_hash="1" * 64)
    assert expire_idempotency_records.call() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_a_service_code_with_nul_is_simply_unknown(service_type):
    assert service_definition("street\x00light") is None
    assert service_definition(service_type.code) is not None


@pytest.mark.django_db
def test_a_name_with_nul_is_refused():
    with pytest.raises(ValidationError) as error:
        person_find_or_create_by_contact(actor=None, email="a@example.org", given_name="Ana\x00")
    assert error.value.field == "given_name"
