"""Shared fixtures for console tests: a department with staff in each role, and a case there."""

from __future__ import annotations

import pytest

from civitas.accounts.models import Department, Membership, Team, User
from civitas.accounts.roles import Role
from civitas.catalog.models import ServiceGroup, ServiceType


@pytest.fixture
def department(db):
    return Department.objects.create(code="public-works", name="Public Works")


@pytest.fixture
def team(department):
    return Team.objects.create(department=department, code="streets", name="Streets")


@pytest.fixture
def other_department(db):
    return Department.objects.create(code="parks", name="Parks")


@pytest.fixture
def service_type(department, team):
    group = ServiceGroup.objects.create(code="streets", name="Streets")
    return ServiceType.objects.create(
        code="pothole",
        name="Pothole",
        group=group,
        department=department,
        default_team=team,
        keywords="pothole, hole in road",
        resolution_target_hours=72,
    )


def make_staff(email: str, role: str, department=None, team=None) -> User:
    user = User.objects.create_user(email=email, password="correct horse battery staple")
    Membership.objects.create(user=user, role=role, department=department, team=team)
    return user


@pytest.fixture
def caseworker(department, team):
    return make_staff("caseworker@example.org", Role.CASEWORKER, department, team)


@pytest.fixture
def supervisor(department, team):
    return make_staff("supervisor@example.org", Role.SUPERVISOR, department, team)


@pytest.fixture
def agent(department):
    return make_staff("agent@example.org", Role.AGENT, department)


@pytest.fixture
def case(caseworker, service_type):
    from civitas.cases.services import case_create

    return case_create(
        actor=caseworker,
        service_type=service_type.code,
        channel="phone",
        description="Deep pothole outside number 12",
        lat=42.35,
        long=-71.06,
        address="12 Main St",
    )
