"""seed_demo builds the demo city through the services; a second run adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from civitas.accounts.models import Membership, User
from civitas.accounts.roles import Role
from civitas.audit.verify import verify_audit
from civitas.cases.models import Case, TimelineEntry
from civitas.catalog.models import ServiceAttribute, ServiceType
from civitas.people.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_builds_the_city_once():
    out = _seed()
    assert "2331 cases imported" in out
    assert "admin@riverton.example" in out and "riverton-demo-2026" in out
    counts = (
        User.objects.count(),
        ServiceType.objects.count(),
        Case.objects.count(),
        Person.objects.count(),
        TimelineEntry.objects.count(),
    )
    assert 28 <= counts[1] <= 35
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    for code, attribute in [
        ("street-light-out", "pole_number"),
        ("pothole", "size"),
        ("graffiti", "surface"),
        ("missed-collection", "bin_type"),
    ]:
        assert ServiceAttribute.objects.filter(service_type__code=code, code=attribute).exists()
    assert ServiceType.objects.get(code="pothole").name_es == "Bache"
    newest = Case.objects.order_by("-created_at").first().created_at
    oldest = Case.objects.order_by("created_at").first().created_at
    assert 150 <= (newest - oldest).days <= 190
    assert Case.objects.filter(requester__isnull=False).exists()
    assert Case.objects.filter(status="in_progress").exists()
    assert TimelineEntry.objects.filter(kind="internal_note").exists()
    again = _seed()
    assert "created nothing new; 0 cases imported" in again
    assert counts == (
        User.objects.count(),
        ServiceType.objects.count(),
        Case.objects.count(),
        Person.objects.count(),
        TimelineEntry.objects.count(),
    )
    assert verify_audit().ok
