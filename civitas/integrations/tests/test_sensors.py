"""sensor_event_receive: open a case for the mapped service type, append to the open one, refuse bad input."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.cases.states import CaseStatus
from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.core.errors import PermissionDenied, ValidationError
from civitas.integrations.keys import api_key_issue
from civitas.integrations.models import SensorEvent, SensorMapping
from civitas.integrations.sensors import sensor_event_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def bin_type(department):
    group = ServiceGroup.objects.create(code="waste", name="Waste")
    return ServiceType.objects.create(
        code="bin-full", name="Overflowing litter bin", group=group, department=department
    )


@pytest.fixture
def mapping(bin_type):
    return SensorMapping.objects.create(condition="bin_full", service_type=bin_type, priority="high")


@pytest.fixture
def department_admin(make_staff, department):
    return make_staff("department_admin", department)


@pytest.fixture
def app_key(department_admin):
    return api_key_issue(actor=department_admin, kind="application", name="Bins", can_write=True).key


def receive(key, **overrides):
    values = {"api_key": key, "device_id": "bin-0042", "condition": "bin_full", "lat": 42.35, "long": -71.06}
    values.update(overrides)
    return sensor_event_receive(**values)


def test_first_reading_opens_a_case_for_the_mapped_service_type(app_key, mapping, bin_type):
    result = receive(app_key, reading={"fill": 97}, asset_ref="BIN-7")
    case = result.case
    assert result.opened is True
    assert case.service_type == bin_type and case.channel == "sensor" and case.priority == "high"
    assert case.requester is None and (case.lat, case.long) == (42.35, -71.06)
    assert "bin-0042" in case.description and "bin_full" in case.description and "BIN-7" in case.description
    event = SensorEvent.objects.get()
    assert (event.case, event.opened_case, event.reading, event.api_key) == (case, True, {"fill": 97}, app_key)
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["service:case:create", "service:sensor_event:receive"]


def test_a_further_reading_appends_to_the_open_case(app_key, mapping):
    first = receive(app_key).case
    again = receive(app_key, lat=None, long=None, asset_ref="BIN-7")
    assert again.opened is False and again.case.pk == first.pk
    assert Case.objects.count() == 1 and SensorEvent.objects.filter(case=first).count() == 2
    entry = TimelineEntry.objects.filter(case=first, data__event="sensor_reading").get()
    assert entry.kind == EntryKind.SYSTEM and entry.is_public is False and "bin-0042" in entry.body
    assert AuditEvent.objects.filter(action="service:case:sensor_reading", object_id=str(first.pk)).exists()


def test_another_device_or_condition_opens_its_own_case(app_key, mapping, bin_type):
    SensorMapping.objects.create(condition="bin_fire", service_type=bin_type)
    first = receive(app_key).case
    assert receive(app_key, device_id="bin-0043").case.pk != first.pk
    assert receive(app_key, condition="bin_fire").case.pk != first.pk
    assert Case.objects.count() == 3


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_a_reading_after_the_case_was_resolved_opens_a_new_one(app_key, mapping, status):
    first = receive(app_key).case
    Case.objects.filter(pk=first.pk).update(status=status)
    result = receive(app_key)
    assert result.opened is True and result.case.pk != first.pk
    assert not TimelineEntry.objects.filter(case=first, data__event="sensor_reading").exists()


def test_the_mapping_priority_may_be_left_to_the_service_type(app_key, mapping, bin_type):
    mapping.priority = ""
    mapping.save()
    assert receive(app_key).case.priority == bin_type.default_priority


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"condition": "unknown_thing"}, "condition"),
        ({"condition": "no spaces please"}, "condition"),
        ({"device_id": ""}, "device_id"),
        ({"device_id": "x" * 101}, "device_id"),
        ({"device_id": "bad\x00id"}, "device_id"),
        ({"lat": None, "long": None}, "lat"),
        ({"lat": 91}, "lat"),
        ({"long": None}, "long"),
        ({"reading": [1, 2]}, "reading"),
        ({"reading": {f"k{i}": i for i in range(21)}}, "reading"),
        ({"reading": {"text": "x" * 3000}}, "reading"),
        ({"reading": {"nan": float("nan")}}, "reading"),
        ({"observed_at": timezone.now() + timedelta(hours=1)}, "observed_at"),
        ({"asset_ref": "has space", "lat": None, "long": None}, "asset_ref"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(app_key, mapping, overrides, field):
    with pytest.raises(ValidationError) as raised:
        receive(app_key, **overrides)
    assert raised.value.field == field
    assert not Case.objects.exists() and not SensorEvent.objects.exists()


def test_an_inactive_mapping_is_an_unknown_condition(app_key, mapping):
    mapping.is_active = False
    mapping.save()
    with pytest.raises(ValidationError) as raised:
        receive(app_key)
    assert raised.value.field == "condition"


def test_personal_tokens_and_read_only_keys_are_refused(department_admin, mapping):
    personal = api_key_issue(actor=department_admin, kind="personal", name="mine", can_write=True).key
    read_only = api_key_issue(actor=department_admin, kind="application", name="ro", can_write=False).key
    for key in (personal, read_only):
        with pytest.raises(PermissionDenied):
            receive(key)
    assert not Case.objects.exists()


def test_a_key_limited_to_another_department_is_refused(make_staff, department, other_department, mapping):
    admin = make_staff("department_admin", other_department)
    key = api_key_issue(
        actor=admin, kind="application", name="Parks", can_write=True, department_ids=[other_department.pk]
    ).key
    with pytest.raises(PermissionDenied):
        receive(key)


def test_a_reading_without_location_but_with_an_asset_opens_a_case(app_key, mapping):
    result = receive(app_key, lat=None, long=None, asset_ref="BIN-7", observed_at=timezone.now())
    assert result.opened and result.case.lat is None and result.event.asset_ref == "BIN-7"


@pytest.mark.django_db(transaction=True)
def test_two_readings_at_once_open_one_case(app_key, mapping):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memory", ":memory")):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            receive(app_key)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert Case.objects.count() == 1
    assert list(SensorEvent.objects.order_by("id").values_list("opened_case", flat=True)) == [True, False]
