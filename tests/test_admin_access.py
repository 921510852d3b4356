"""The admin answers to the permission map: each role sees what its actions allow, scoped by department."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.accounts.models import Department
from civitas.cases.services import case_create
from civitas.catalog.models import ServiceGroup, ServiceType

pytestmark = pytest.mark.django_db

PAGES = {
    "cases": "admin:cases_case_changelist",
    "audit": "admin:audit_auditevent_changelist",
    "people": "admin:people_person_changelist",
    "users": "admin:accounts_user_changelist",
    "tasks": "admin:django_tasks_database_dbtaskresult_changelist",
}
EXPECTED = {
    # role: pages answering 200 (others 403)
    "system_admin": {"cases", "audit", "people", "users", "tasks"},
    "auditor": {"cases", "audit"},
    "privacy_officer": {"audit", "people"},
    "caseworker": {"cases", "people"},
    "field_crew": {"cases"},
}


@pytest.fixture
def two_cases(make_staff):
    group = ServiceGroup.objects.create(code="g", name="G")
    cases = {}
    for code in ("north", "south"):
        dept = Department.objects.create(code=code, name=code.title())
        st = ServiceType.objects.create(code=f"{code}-type", name=f"{code} type", group=group, department=dept)
        cases[code] = case_create(actor=make_staff("agent"), service_type=st, channel="phone")
    return cases


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_pages(client, make_staff, two_cases, role):
    department = two_cases["north"].department if role in {"caseworker", "field_crew"} else None
    client.force_login(make_staff(role, department, is_staff=True))
    for name, url in PAGES.items():
        status = client.get(reverse(url)).status_code
        assert status == (200 if name in EXPECTED[role] else 403), (role, name, status)


def test_department_scoping_in_the_case_list(client, make_staff, two_cases):
    north, south = two_cases["north"], two_cases["south"]
    client.force_login(make_staff("caseworker", north.department, is_staff=True))
    page = client.get(reverse(PAGES["cases"])).content.decode()
    assert north.reference in page and south.reference not in page
    response = client.get(reverse("admin:cases_case_change", args=[south.pk]))
    assert response.status_code == 302  # "does not exist" — same as a missing case
    assert client.get(reverse("admin:cases_case_change", args=[north.pk])).status_code == 200
