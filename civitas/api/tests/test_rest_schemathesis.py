"""REST API v1 fuzzed by schemathesis (issue 5 §5): every operation, generated inputs (valid and not), a key
of a user with data. No answer may be a 5xx and every answer must match the OpenAPI document (status code,
content type, body schema, headers). Path parameters naming a case, person or attachment are swapped for
real ones half of the time, so the operations' own code runs and not only the 404 path. A stateful test
follows the links schemathesis infers (a case listed or created → read, update, transition, assign, notes).

`positive_data_acceptance` is left out: a schema-valid request may still break a domain rule (an unknown
service code, an assignee outside the case's department) and rightly get a 422 problem.

Derandomized and bounded (a few examples per operation) to stay fast and stable in CI.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application

pytestmark = pytest.mark.django_db(transaction=False)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

EXAMPLES = 12


@pytest.fixture
def keep_connection():
    """Served through WSGI, Django closes the database connection after each request; the test client
    avoids that the same way (the test's transaction lives on that connection)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(keep_connection, issue_key, make_case, department_admin, team, person, settings, tmp_path):
    """A department with a case (with an attachment), a person, and a write key of its administrator."""
    from civitas.cases.services import case_add_attachment

    settings.MEDIA_ROOT = str(tmp_path)
    settings.API_RATE_LIMIT = 100_000
    case = make_case(requester=person)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    attachment = case_add_attachment(actor=None, case=case, upload=ContentFile(png), name="a.png")
    secret = issue_key(kind="personal", owner=department_admin, can_write=True)
    return {
        "headers": {"Authorization": f"Bearer {secret}"},
        "reference": case.reference,
        "attachment_id": attachment.pk,
        "person_id": person.pk,
    }


def _point_at_real_objects(case, world) -> None:
    """In positive cases, name real objects half of the time (negative cases keep their broken values)."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    params = case.path_parameters or {}
    for name in ("reference", "attachment_id", "person_id"):
        if name in params and len(repr(case.body)) % 2 == 0:
            params[name] = world[name]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_conforms_to_its_schema(case, world):
    _point_at_real_objects(case, world)
    case.call_and_validate(headers=world["headers"], excluded_checks=[positive_data_acceptance])


def test_stateful_sequences_conform(world):
    """Chains of calls along the links schemathesis infers (create a case → read, update, note … it)."""
    workflow = schema.as_state_machine()

    class KeyedWorkflow(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"headers": world["headers"]}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                headers=world["headers"],
                transport_kwargs=kwargs,
            )

    run_state_machine_as_test(
        KeyedWorkflow,
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
