"""REST API v1: people (scoped, reads recorded), the service catalogue, departments and teams, audit events."""

from __future__ import annotations

import pytest

from civitas.api.tests.rest_client import Api, assert_problem
from civitas.audit.models import AuditEvent
from civitas.people.models import ContactPoint, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(app_key, service_type):
    return Api(app_key)


@pytest.fixture
def ana(db):
    person = Person.objects.create(given_name="Ana", family_name="Reyes")
    ContactPoint.objects.create(person=person, kind="email", value="ana@example.org", is_primary=True)
    return person


def test_people_search_records_each_read(api, ana, department_admin):
    response = api.get("/people", {"q": "ana@example.org"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [ana.pk]
    assert response.json()[0]["contacts"] == [{"kind": "email", "value": "ana@example.org", "is_primary": True}]
    reads = AuditEvent.objects.filter(action="api:person:read", person_id=ana.pk, actor_id=department_admin.pk)
    assert reads.count() == 1
    assert api.get("/people", {"q": "ana@exam"}).json() == []  # contacts match exactly, never in part


def test_person_get_and_unknown_purpose(api, ana):
    response = api.get(f"/people/{ana.pk}", {"purpose": "caller_enquiry"})
    assert response.status_code == 200
    assert response.json()["family_name"] == "Reyes"
    event = AuditEvent.objects.filter(person_id=ana.pk).latest("seq")
    assert event.data["context"]["purpose"] == "caller_enquiry"
    assert_problem(api.get(f"/people/{ana.pk}", {"purpose": "curiosity"}), 422)
    assert_problem(api.get("/people/987654321"), 404)


def test_people_need_person_view(issue_key, make_staff, department, ana):
    crew = make_staff("field_crew", department)
    api = Api(issue_key(kind="personal", owner=crew))
    assert_problem(api.get(f"/people/{ana.pk}"), 404)
    assert_problem(api.get("/people", {"q": "Ana"}), 403)


def test_find_or_create_person(api, ana):
    found = api.post("/people", {"email": "ana@example.org", "given_name": "Someone"})
    assert found.status_code == 200
    assert found.json()["id"] == ana.pk and found.json()["given_name"] == "Ana"
    created = api.post("/people", {"phone": "+1 617 555 0100", "given_name": "Bo"})
    assert created.status_code == 201, created.content
    assert Person.objects.filter(pk=created.json()["id"], given_name="Bo").exists()
    assert_problem(api.post("/people", {"email": "not an email"}), 422)


def test_services_list_and_detail(api, other_service_type):
    codes = [item["code"] for item in api.get("/services").json()]
    assert codes == ["streetlight"]  # the other department's type is not the key's
    detail = api.get("/services/streetlight").json()
    assert [item["code"] for item in detail["attributes"]] == ["pole", "lamps"]
    assert detail["attributes"][1]["values"] == [{"key": "one", "name": "One"}, {"key": "several", "name": "Several"}]
    assert_problem(api.get("/services/park-litter"), 404)


def test_departments_and_teams(api, team, other_department):
    assert [item["code"] for item in api.get("/departments").json()] == ["public-works"]
    teams = api.get("/teams").json()
    assert [(item["id"], item["department"]) for item in teams] == [(team.pk, "public-works")]
    assert api.get("/teams", {"department": "parks"}).json() == []


def test_a_key_narrowed_to_a_department(issue_key, department_admin, department, other_department, make_staff):
    from civitas.accounts.models import Membership

    Membership.objects.create(user=department_admin, role="department_admin", department=other_department)
    api = Api(issue_key(departments=[other_department]))
    assert [item["code"] for item in api.get("/departments").json()] == ["parks"]


def test_audit_events_for_auditors_in_pages(issue_key, make_staff, department, make_case):
    for _ in range(3):
        make_case()
    auditor = make_staff("auditor", department)
    api = Api(issue_key(kind="personal", owner=auditor, can_write=False))
    first = api.get("/audit-events", {"limit": 2, "action": "service:case:create"})
    assert first.status_code == 200, first.content
    body = first.json()
    assert len(body["items"]) == 2 and body["cursor"]
    rest = api.get("/audit-events", {"limit": 2, "action": "service:case:create", "cursor": body["cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    seqs = [item["seq"] for item in body["items"] + rest["items"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_audit_events_need_audit_view(api):
    assert_problem(api.get("/audit-events"), 403)
