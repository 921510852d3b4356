"""REST API v1: every error is an RFC 7807 problem (auth, unknown paths, malformed JSON, size, rate limit)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from civitas.api.tests.rest_client import Api, assert_problem
from civitas.integrations.keys import api_key_authenticate, api_key_revoke
from civitas.integrations.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(app_key, service_type):
    return Api(app_key)


def test_no_key_is_401_with_www_authenticate():
    response = Api(None).get("/cases")
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in body["detail"]


def test_a_revoked_key_is_401(app_key, department_admin):
    key = api_key_authenticate(app_key)
    api_key_revoke(actor=department_admin, key_id=key.pk)
    assert_problem(Api(app_key).get("/cases"), 401)
    assert_problem(Api("cvt_not-a-real-key").get("/cases"), 401)


def test_the_key_also_works_in_the_x_api_key_header(app_key):
    response = Api(None).get("/departments", **{"X-Api-Key": app_key})
    assert response.status_code == 200
    assert [item["code"] for item in response.json()] == ["public-works"]


def test_unknown_paths_are_problems_not_html(api):
    assert_problem(api.get("/nope"), 404)
    assert_problem(Api(None).get("/nope/deeper"), 404)
    assert_problem(api.get("/cases/not a reference"), 404)


def test_malformed_json_is_400(api):
    body = assert_problem(api.send("POST", "/cases", raw=b'{"service_code": '), 400)
    assert "parse" in body["detail"]


def test_schema_errors_are_422_with_fields(api):
    body = assert_problem(api.post("/cases", {"service_code": 5, "lat": "north"}), 422)
    fields = {error["field"] for error in body["errors"]}
    assert {"service_code", "lat"} <= fields
    assert all(error["message"] and error["code"] for error in body["errors"])


def test_an_oversized_body_is_413(api, settings):
    settings.API_MAX_BODY_BYTES = 2048
    body = assert_problem(api.post("/cases", {"service_code": "streetlight", "description": "x" * 4000}), 413)
    assert "2048" in body["detail"]


def test_rate_limit_per_key_gives_429_with_retry_after(app_key):
    key = api_key_authenticate(app_key)
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_per_minute=2)
    api = Api(app_key)
    first = api.get("/departments")
    assert first.status_code == 200
    assert first["RateLimit-Limit"] == "2"
    assert first["RateLimit-Remaining"] == "1"
    assert api.get("/departments").status_code == 200
    refused = api.get("/departments")
    assert_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0"
    cache.clear()
    assert api.get("/departments").status_code == 200


def test_open311_and_the_rest_api_share_one_budget_per_key(app_key, client):
    key = api_key_authenticate(app_key)
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_per_minute=2)
    posted = client.post("/open311/v2/requests.json", {"api_key": app_key, "service_code": "nope"})
    assert posted.status_code == 400  # counted, then refused for its content
    api = Api(app_key)
    assert api.get("/departments").status_code == 200
    assert_problem(api.get("/departments"), 429)
    limited = client.post("/open311/v2/requests.json", {"api_key": app_key, "service_code": "nope"})
    assert limited.status_code == 429 and limited.json()[0]["code"] == 429


def test_rate_limit_falls_back_to_the_setting(app_key, settings):
    settings.API_RATE_LIMIT = 1
    api = Api(app_key)
    assert api.get("/departments").status_code == 200
    assert_problem(api.get("/departments"), 429)


def test_openapi_documents_problems_and_security(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), (method, path)
            errors = [code for code in operation["responses"] if code.startswith("4")]
            assert {"401", "404", "422", "429"} <= set(errors), (method, path)
            for code in errors:
                assert "application/problem+json" in operation["responses"][code]["content"], (method, path, code)


def test_docs_page_uses_bundled_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/cases", {"service_code": "streetlight", "attributes": {"pole": "P\u00001"}}),
        ("POST", "/cases", {"service_code": "streetlight\u0000", "attributes": {"pole": "P1"}}),
        ("POST", "/cases", {"service_code": "streetlight", "title": "a\u0000", "attributes": {"pole": "P1"}}),
        ("POST", "/people", {"email": "a\u0000@example.org"}),
        ("POST", "/people", {"phone": "+16175550100", "given_name": "A\u0000"}),
        ("GET", "/cases?q=lamp%00&status=new%00", None),
        ("GET", "/people?q=An%00a", None),
        ("GET", "/services/street%00light", None),
        ("GET", "/audit-events?action=x%00", None),
    ],
)
def test_nul_characters_are_refused_not_a_server_error(api, method, path, body):
    """PostgreSQL refuses NUL in text; the API must answer 4xx, never 500."""
    response = api.get(path) if method == "GET" else api.post(path, body)
    assert 400 <= response.status_code < 500, response.content
    if response.status_code != 200:
        assert response["Content-Type"] == "application/problem+json"


def test_a_wrong_method_is_a_405_problem(api):
    response = api.send("DELETE", "/cases")
    body = assert_problem(response, 405)
    assert "GET" in response["Allow"] and "POST" in response["Allow"]
    assert "GET" in body["detail"]


def test_the_root_points_to_the_description(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["openapi"] == "/api/v1/openapi.json"
