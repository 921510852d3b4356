"""Shared fixtures for the API tests (Open311, REST, webhooks, sensors)."""

from __future__ import annotations

import pytest

from civitas.cases.tests.conftest import (  # noqa: F401  (fixtures shared with the cases tests)
    caseworker,
    make_case,
    other_service_type,
    person,
    service_type,
    supervisor,
    team,
)


@pytest.fixture
def issue_key(department_admin):
    """issue_key(kind="application", owner=None, can_write=True, departments=()) → the secret (str).

    An application key is issued by the department administrator and acts as `owner` (default: that admin);
    a personal token belongs to `owner`, who must hold a role.
    """
    from civitas.integrations.keys import api_key_issue

    def issue(kind: str = "application", owner=None, can_write: bool = True, departments=(), **extra) -> str:
        actor = owner if kind == "personal" and owner is not None else department_admin
        issued = api_key_issue(
            actor=actor,
            kind=kind,
            name=f"test {kind} key",
            owner=owner,
            can_write=can_write,
            department_ids=[d.pk for d in departments],
            **extra,
        )
        return issued.secret

    return issue


@pytest.fixture
def app_key(issue_key) -> str:
    """A write-capable application key owned by the department administrator."""
    return issue_key()
