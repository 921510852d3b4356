from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from civitas.accounts.models import Membership, Team, User
from civitas.accounts.permissions import ALL, PERMISSIONS, departments_for, has_perm, require
from civitas.accounts.roles import Role
from civitas.accounts.services import (
    department_create,
    membership_grant,
    membership_revoke,
    staff_user_create,
    team_create,
)
from civitas.audit.models import AuditEvent
from civitas.core.errors import NotFound, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def test_login_by_email_case_insensitive():
    User.objects.create_user(email="Ana@City.Example", password="a long enough password")
    assert authenticate(username="ana@city.example", password="a long enough password") is not None
    assert authenticate(username="ANA@CITY.EXAMPLE", password="a long enough password") is not None


def test_every_role_appears_in_the_map():
    granted = set().union(*PERMISSIONS.values())
    missing = set(Role.values) - {str(r) for r in granted} - {Role.SYSTEM_ADMIN}
    assert not missing, f"roles with no permission at all: {missing}"


def test_department_scoping(make_staff, department, other_department):
    worker = make_staff("caseworker", department)
    assert departments_for(worker, "case.view") == {department.pk}
    assert has_perm(worker, "case.view", department.pk)
    assert not has_perm(worker, "case.view", other_department.pk)
    assert not has_perm(worker, "case.merge", department.pk)
    with pytest.raises(NotFound):
        require(worker, "case.view", other_department.pk, hide=True)


def test_org_wide_roles(make_staff, department):
    agent = make_staff("agent")  # call-centre agent: no department → everywhere
    assert departments_for(agent, "case.create") is ALL
    auditor = make_staff("auditor")
    assert has_perm(auditor, "audit.view")
    assert not has_perm(auditor, "case.update", department.pk)
    admin = make_staff("system_admin")
    assert departments_for(admin, "catalog.manage") is ALL


def test_inactive_and_anonymous_have_nothing(make_staff, department):
    from django.contrib.auth.models import AnonymousUser

    user = make_staff("supervisor", department)
    user.is_active = False
    assert departments_for(user, "case.view") == set()
    assert departments_for(AnonymousUser(), "case.view") == set()


def test_unknown_permission_is_a_programming_error(make_staff):
    with pytest.raises(KeyError, match="unknown permission"):
        departments_for(make_staff("agent"), "case.fly")


def test_services_write_audit(admin_user):
    dept = department_create(actor=admin_user, code="streets", name="Streets")
    team = team_create(actor=admin_user, department=dept, code="crew-a", name="Crew A")
    user = staff_user_create(actor=admin_user, email="Crew@City.Example", display_name="Crew")
    assert user.email == "crew@city.example"
    membership = membership_grant(actor=admin_user, user=user, role="field_crew", department=dept, team=team)
    assert membership_grant(actor=admin_user, user=user, role="field_crew", department=dept, team=team) == membership
    membership_revoke(actor=admin_user, membership=membership)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == [
        "service:department:create",
        "service:team:create",
        "service:user:create",
        "service:membership:grant",
        "service:membership:revoke",
    ]


def test_department_admin_is_limited_to_their_department(make_staff, department, other_department):
    dept_admin = make_staff("department_admin", department)
    team_create(actor=dept_admin, department=department, code="a", name="A")
    with pytest.raises(PermissionDenied):
        team_create(actor=dept_admin, department=other_department, code="b", name="B")
    user = make_staff()
    with pytest.raises(PermissionDenied, match="organisation-wide"):
        membership_grant(actor=dept_admin, user=user, role="agent")
    assert not Team.objects.filter(code="b").exists()


def test_bad_membership_input(admin_user, department, other_department):
    user = User.objects.create_user(email="x@city.example")
    team = Team.objects.create(department=other_department, code="t", name="T")
    with pytest.raises(ValidationError) as exc:
        membership_grant(actor=admin_user, user=user, role="mayor", department=department)
    assert exc.value.field == "role"
    with pytest.raises(ValidationError) as exc:
        membership_grant(actor=admin_user, user=user, role="caseworker", department=department, team=team)
    assert exc.value.field == "team"
    with pytest.raises(ValidationError) as exc:
        membership_grant(actor=admin_user, user=user, role="auditor", department=department)
    assert exc.value.field == "department"
    assert not Membership.objects.filter(user=user).exists()


def test_duplicate_department_and_email(admin_user, department):
    with pytest.raises(ValidationError) as exc:
        department_create(actor=admin_user, code=department.code, name="Again")
    assert exc.value.field == "code"
    staff_user_create(actor=admin_user, email="dup@city.example")
    with pytest.raises(ValidationError) as exc:
        staff_user_create(actor=admin_user, email="DUP@city.example")
    assert exc.value.field == "email"
