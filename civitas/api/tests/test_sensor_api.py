"""POST /api/v1/sensor-events: application keys only; 201 opens a case, 200 appends; errors as problem+json."""

from __future__ import annotations

import json

import hypothesis
import pytest
import schemathesis
from django.urls import reverse
from schemathesis.specs.openapi.checks import positive_data_acceptance

from civitas.cases.models import Case
from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.integrations.models import SensorEvent, SensorMapping
from config.wsgi import application

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def mapping(department):
    group = ServiceGroup.objects.create(code="waste", name="Waste")
    bin_type = ServiceType.objects.create(code="bin-full", name="Overflowing bin", group=group, department=department)
    return SensorMapping.objects.create(condition="bin_full", service_type=bin_type)


def post(client, key, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.post(reverse("api:sensor-events"), data=data, content_type="application/json", **auth, **headers)


READING = {"device_id": "bin-0042", "condition": "bin_full", "lat": 42.35, "long": -71.06, "reading": {"fill": 97}}


def test_a_reading_opens_a_case_then_appends(client, app_key, mapping):
    first = post(client, app_key, READING)
    assert first.status_code == 201, first.content
    body = first.json()
    case = Case.objects.get()
    assert body == {"reference": case.reference, "opened": True, "status": case.status}
    assert case.channel == "sensor" and case.service_type == mapping.service_type
    again = post(client, app_key, {**READING, "observed_at": "2026-01-05T10:00:00+01:00"})
    assert again.status_code == 200
    assert again.json() == {"reference": case.reference, "opened": False, "status": case.status}
    assert Case.objects.count() == 1 and SensorEvent.objects.count() == 2


def test_an_asset_reference_may_stand_for_the_location(client, app_key, mapping):
    response = post(client, app_key, {"device_id": "bin-1", "condition": "bin_full", "asset_ref": "BIN-7"})
    assert response.status_code == 201
    assert SensorEvent.objects.get().asset_ref == "BIN-7"


def test_the_key_may_come_in_the_x_api_key_header(client, app_key, mapping):
    response = post(client, None, READING, HTTP_X_API_KEY=app_key)
    assert response.status_code == 201


def test_a_personal_token_is_forbidden(client, issue_key, department_admin, mapping):
    token = issue_key(kind="personal", owner=department_admin)
    response = post(client, token, READING)
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM) and response.json()["status"] == 403
    assert not Case.objects.exists()


def test_a_read_only_application_key_is_forbidden(client, issue_key, mapping):
    response = post(client, issue_key(can_write=False), READING)
    assert response.status_code == 403 and response["Content-Type"].startswith(PROBLEM)


def test_no_key_or_a_bad_key_is_unauthorised(client, mapping):
    assert post(client, None, READING).status_code == 401
    assert post(client, "cvt_not-a-real-key", READING).status_code == 401
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**READING, "condition": "unknown_condition"}, "condition"),
        ({"device_id": "bin-1", "condition": "bin_full"}, "lat"),
        ({**READING, "long": None}, "long"),
        ({**READING, "lat": 123}, "lat"),
        ({**READING, "device_id": ""}, "device_id"),
        ({**READING, "reading": [1, 2]}, "reading"),
        ({**READING, "observed_at": "yesterday"}, "observed_at"),
        ({"condition": "bin_full", "lat": 1, "long": 1}, "device_id"),
    ],
)
def test_invalid_input_is_a_422_problem_naming_the_field(client, app_key, mapping, body, field):
    response = post(client, app_key, body)
    assert response.status_code == 422, response.content
    problem = response.json()
    assert response["Content-Type"].startswith(PROBLEM)
    assert problem["status"] == 422 and field in {error["field"] for error in problem["errors"]}
    assert not Case.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[]", '"text"', ""])
def test_malformed_json_is_a_4xx_problem(client, app_key, mapping, body):
    response = post(client, app_key, body)
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith(PROBLEM)


def test_the_operation_is_in_the_openapi_schema(client):
    schema = client.get(reverse("api:openapi-json")).json()
    operation = schema["paths"]["/api/v1/sensor-events"]["post"]
    assert {"200", "201", "403", "422"} <= set(operation["responses"])


# --- fuzzed with an application key and a mapped condition (the shared schemathesis test uses a personal token,
# which this operation refuses with 403 before reading the body) ------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(path="/api/v1/sensor-events")


@pytest.fixture
def fuzz_world(app_key, mapping, settings):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.API_RATE_LIMIT = 100_000
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {app_key}"}
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(
    max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(hypothesis.HealthCheck), database=None
)
def test_sensor_intake_conforms_to_its_schema(case, fuzz_world):
    case.call_and_validate(headers=fuzz_world, excluded_checks=[positive_data_acceptance])
