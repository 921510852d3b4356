"""Shared pytest fixtures for every app (staff users with roles, departments)."""

from __future__ import annotations

import os

os.environ.setdefault("CIVITAS_TESTING", "1")

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache_and_language():
    """Every test starts with an empty cache (rate-limit counters, cached option lists, the portal's
    cached catalogue) and in the default language, whatever the test before it left behind."""
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    translation.activate("en")
    yield
    cache.clear()
    translation.deactivate()


@pytest.fixture
def department(db):
    from civitas.accounts.models import Department

    return Department.objects.create(code="public-works", name="Public Works")


@pytest.fixture
def other_department(db):
    from civitas.accounts.models import Department

    return Department.objects.create(code="parks", name="Parks and Recreation")


@pytest.fixture
def make_staff(db):
    """make_staff(role, department=None, team=None, email=None) → a user holding that role."""
    from civitas.accounts.models import Membership, User

    counter = {"n": 0}

    def make(role: str | None = None, department=None, team=None, email: str | None = None, **extra):
        counter["n"] += 1
        user = User.objects.create_user(
            email=email or f"staff{counter['n']}@city.example", password="correct horse battery", **extra
        )
        if role:
            Membership.objects.create(user=user, role=role, department=department, team=team)
        return user

    return make


@pytest.fixture
def department_admin(make_staff, department):
    """A department administrator of `department` who may use the admin site (keys, webhooks, sensors)."""
    return make_staff("department_admin", department, email="deptadmin@city.example", is_staff=True)


@pytest.fixture
def admin_user(make_staff):
    return make_staff("system_admin", email="admin@city.example", is_staff=True)
