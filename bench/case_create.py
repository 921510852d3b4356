"""Worker: `case_create` in a loop, as real requests call it (run by run.py with DATABASE_URL set).

Set-up (not timed): a department and team, a service type with a required string attribute and a
list attribute, and a staff user holding the caseworker role there. Then N cases, each one the way
a request opens it: a fresh request id, the actor's role cache cleared (a new request loads its
user afresh), the service type named by its code, attribute answers to validate, a location; each
case in its own transaction with its timeline entry, audit event and outbox task row.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from bench import _django

WARM_UP = 20


def set_up() -> tuple[object, str]:
    from civitas.accounts.models import Department, Membership, Team, User
    from civitas.accounts.roles import Role
    from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType

    department = Department.objects.create(code="public-works", name="Public Works")
    team = Team.objects.create(department=department, code="lights", name="Street lights")
    group = ServiceGroup.objects.create(code="streets", name="Streets")
    service_type = ServiceType.objects.create(
        code="streetlight",
        name="Street light out",
        group=group,
        department=department,
        default_team=team,
        response_target_hours=24,
        resolution_target_hours=72,
    )
    ServiceAttribute.objects.create(
        service_type=service_type, code="pole", datatype="string", required=True, description="Pole number", order=1
    )
    lamps = ServiceAttribute.objects.create(
        service_type=service_type,
        code="lamps",
        datatype="singlevaluelist",
        description="How many lamps are out?",
        order=2,
    )
    AttributeValue.objects.create(attribute=lamps, key="one", name="One", order=1)
    AttributeValue.objects.create(attribute=lamps, key="several", name="Several", order=2)
    user = User.objects.create_user(email="caseworker@bench.example")  # no password: never logs in
    Membership.objects.create(user=user, role=Role.CASEWORKER, department=department, team=team)
    return user, service_type.code


def create_cases(user: object, code: str, count: int, rng: random.Random) -> float:
    """Open `count` cases; returns the seconds it took."""
    from civitas.accounts.permissions import clear_cache
    from civitas.cases.services import case_create
    from civitas.core.context import reset_request_id, set_request_id

    started = time.perf_counter()
    for number in range(count):
        token = set_request_id()
        try:
            clear_cache(user)
            case_create(
                actor=user,
                service_type=code,
                channel=rng.choice(("phone", "web", "email", "staff")),
                title="Street light out",
                description=f"The light outside number {rng.randint(1, 400)} has been out for {number % 9 + 1} days.",
                attributes={"pole": f"P-{rng.randint(1000, 99999)}", "lamps": rng.choice(("one", "several"))},
                lat=round(42.33 + rng.uniform(-0.06, 0.06), 6),
                long=round(-71.06 + rng.uniform(-0.06, 0.06), 6),
                address=f"{rng.randint(1, 400)} Washington St",
                area="Dorchester",
            )
        finally:
            reset_request_id(token)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="case_create throughput")
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args(argv)
    _django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from civitas.audit.models import AuditEvent
    from civitas.cases.models import Case

    rng = random.Random(500)
    user, code = set_up()
    create_cases(user, code, WARM_UP, rng)  # first queries compile, caches fill: not timed
    with CaptureQueriesContext(connection) as queries:
        create_cases(user, code, 1, rng)
    seconds = create_cases(user, code, args.cases, rng)
    total = WARM_UP + 1 + args.cases
    _django.report(
        cases=args.cases,
        seconds=seconds,
        rate=args.cases / seconds,
        queries_per_case=len(queries.captured_queries),
        check_cases=Case.objects.count() == total,
        check_audit=AuditEvent.objects.filter(action="service:case:create").count() == total,
        outbox_rows=DBTaskResult.objects.count(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
