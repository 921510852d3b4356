"""Fixtures for the integrations tests (webhook fixtures live in webhook_fixtures.py)."""

from __future__ import annotations

from civitas.integrations.tests.webhook_fixtures import (  # noqa: F401  (fixtures)
    caseworker,
    make_case,
    make_subscription,
    other_service_type,
    person,
    receiver,
    service_type,
    supervisor,
    team,
)
