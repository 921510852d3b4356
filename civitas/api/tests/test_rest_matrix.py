"""REST API v1: every operation that names a case, as a key of another department, answers a 404 problem
(the same answer as for a case that does not exist), for every role that can hold a key. Operations are
read from the OpenAPI document, so a new one is covered without touching this file."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from civitas.accounts.roles import Role
from civitas.api.tests.rest_client import Api, assert_problem
from civitas.cases.services import case_add_attachment

pytestmark = pytest.mark.django_db

ROLES = [Role.AGENT, Role.CASEWORKER, Role.FIELD_CREW, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN, Role.AUDITOR]
MISSING = "SR-1999-999999"
BODIES = {
    "/transition": {"status": "in_progress"},
    "/assign": {"team_id": 1},
    "/notes": {"body": "hello"},
}


def _case_operations(client) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    found = []
    for path, operations in schema["paths"].items():
        if "{reference}" in path:
            found += [(method.upper(), path.removeprefix("/api/v1")) for method in operations]
    return found


@pytest.fixture
def foreign_case(make_case, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    case = make_case()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    attachment = case_add_attachment(actor=None, case=case, upload=ContentFile(png), name="a.png")
    return case, attachment


def _call(api: Api, method: str, path: str):
    if method == "GET":
        return api.get(path)
    if path.endswith("/attachments"):
        upload = ContentFile(b"hello", name="a.txt")
        return api.client.post("/api/v1" + path, {"file": upload}, headers=api.headers())
    body = next((value for suffix, value in BODIES.items() if path.endswith(suffix)), {"version": 1})
    return api.send(method, path, body)


def test_the_matrix_sees_every_case_operation(client):
    operations = _case_operations(client)
    assert len(operations) >= 9
    assert all(op for op in operations)


@pytest.mark.parametrize("role", ROLES)
def test_a_case_of_another_department_is_not_found(role, client, foreign_case, make_staff, other_department, issue_key):
    case, attachment = foreign_case
    user = make_staff(role, other_department)
    api = Api(issue_key(kind="personal", owner=user, can_write=True))
    for method, template in _case_operations(client):
        path = template.replace("{attachment_id}", str(attachment.pk))
        foreign = _call(api, method, path.replace("{reference}", case.reference))
        missing = _call(api, method, path.replace("{reference}", MISSING))
        assert_problem(foreign, 404)
        assert foreign.json()["detail"] == missing.json()["detail"], (method, path)
