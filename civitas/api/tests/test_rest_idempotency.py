"""REST API v1: `Idempotency-Key` on POST — the first answer is replayed; a different body is 422; a
request still running is 409; records expire."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from civitas.api.tests.rest_client import Api, assert_problem
from civitas.cases.models import Case
from civitas.integrations.idempotency import idempotency_claim, idempotency_records_expire
from civitas.integrations.keys import api_key_authenticate
from civitas.integrations.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

PAYLOAD = {"service_code": "streetlight", "description": "Dark", "attributes": {"pole": "P-9"}}


@pytest.fixture
def api(app_key, service_type):
    return Api(app_key)


def test_a_retry_returns_the_first_answer(api):
    first = api.post("/cases", PAYLOAD, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == 201, first.content
    again = api.post("/cases", PAYLOAD, **{"Idempotency-Key": "abc-1"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Case.objects.count() == 1
    other = api.post("/cases", PAYLOAD, **{"Idempotency-Key": "abc-2"})
    assert other.json()["reference"] != first.json()["reference"]
    assert Case.objects.count() == 2


def test_without_the_header_nothing_is_stored(api):
    api.post("/cases", PAYLOAD)
    api.post("/cases", PAYLOAD)
    assert Case.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_422(api):
    api.post("/cases", PAYLOAD, **{"Idempotency-Key": "k"})
    body = assert_problem(api.post("/cases", {**PAYLOAD, "description": "Other"}, **{"Idempotency-Key": "k"}), 422)
    assert body["errors"][0]["code"] == "idempotency_mismatch"
    assert Case.objects.count() == 1


def test_a_request_still_running_is_409(api, app_key):
    """The first request's claim is in place (no answer stored yet) when the duplicate arrives."""
    key = api_key_authenticate(app_key)
    claim = idempotency_claim(
        api_key=key, key="busy", method="POST", path="/api/v1/cases", body=json.dumps(PAYLOAD).encode()
    )
    assert not claim.replay
    assert_problem(api.post("/cases", PAYLOAD, **{"Idempotency-Key": "busy"}), 409)
    assert Case.objects.count() == 0


def test_keys_are_per_api_key(api, issue_key):
    first = api.post("/cases", PAYLOAD, **{"Idempotency-Key": "shared"})
    other = Api(issue_key()).post("/cases", PAYLOAD, **{"Idempotency-Key": "shared"})
    assert other.status_code == 201
    assert other.json()["reference"] != first.json()["reference"]


def test_errors_are_replayed_too_but_server_errors_are_not_kept(api):
    bad = {"service_code": "nope"}
    assert_problem(api.post("/cases", bad, **{"Idempotency-Key": "bad"}), 422)
    again = api.post("/cases", bad, **{"Idempotency-Key": "bad"})
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"


def test_an_unusable_idempotency_key_is_422(api):
    assert_problem(api.post("/cases", PAYLOAD, **{"Idempotency-Key": "x" * 300}), 422)


def test_expired_records_are_deleted_and_the_key_reusable(api, settings):
    api.post("/cases", PAYLOAD, **{"Idempotency-Key": "old"})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS + 1))
    fresh = api.post("/cases", PAYLOAD, **{"Idempotency-Key": "old"})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS + 1))
    assert idempotency_records_expire() == 1
    assert not IdempotencyRecord.objects.exists()


def test_the_header_is_documented_on_every_post(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        if "post" in operations:
            names = [param["name"] for param in operations["post"].get("parameters", [])]
            assert "Idempotency-Key" in names, path


def test_an_abandoned_claim_is_taken_over(api, app_key):
    """A claim left without an answer (its process died) does not block the key until it expires."""
    key = api_key_authenticate(app_key)
    idempotency_claim(api_key=key, key="dead", method="POST", path="/api/v1/cases", body=json.dumps(PAYLOAD).encode())
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    response = api.post("/cases", PAYLOAD, **{"Idempotency-Key": "dead"})
    assert response.status_code == 201, response.content
    assert IdempotencyRecord.objects.get().status_code == 201
