"""Fixtures for the people tests: staff in each relevant role and a person factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def agent(make_staff):
    """A call-centre agent (organisation-wide): may view, create, update people and record consent."""
    return make_staff("agent")


@pytest.fixture
def caseworker(make_staff, department):
    return make_staff("caseworker", department)


@pytest.fixture
def supervisor(make_staff, department):
    """May merge people (supervisors, department admins and privacy officers may)."""
    return make_staff("supervisor", department)


@pytest.fixture
def outsider(make_staff):
    """A staff login holding no role at all."""
    return make_staff()


@pytest.fixture
def make_person(agent) -> Callable[..., Any]:
    from civitas.people.services import person_create

    def make(**fields: Any):
        return person_create(actor=agent, **fields)

    return make


def audit_text() -> str:
    """Every audit payload written so far, as one string (to assert no personal value leaked)."""
    from civitas.audit.models import AuditEvent

    return "\n".join(AuditEvent.objects.values_list("payload", flat=True))
