"""Build the demo city through the same services every interface uses (so it is all audited)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from civitas.accounts.models import Department, Membership, Team, User
from civitas.accounts.services import department_create, membership_grant, staff_user_create, team_create
from civitas.audit.services import audit_record
from civitas.cases.importing import boston
from civitas.cases.importing.rows import ImportRow, RowError
from civitas.cases.models import Case
from civitas.cases.services import case_add_note, case_assign, case_set_requester, case_transition
from civitas.cases.services.imports import cases_import
from civitas.cases.states import CaseStatus
from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.catalog.services import attribute_add, service_group_create, service_type_create
from civitas.demo import data
from civitas.people.models import Person
from civitas.people.services import person_find_or_create_by_contact, person_update
from civitas.search.indexing import reindex as search_reindex

SOURCE_SYSTEM = "riverton-demo"
EXTRACT = Path(__file__).resolve().parents[2] / "tests" / "data" / "boston_311_2011_extract.csv"


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    cases_imported: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)

    def count(self, what: str) -> None:
        self.created[what] = self.created.get(what, 0) + 1


def seed(*, extract: Path = EXTRACT, rng_seed: int = 2026) -> SeedResult:
    result = SeedResult()
    admin = ensure_admin(result)
    departments, teams = ensure_departments(admin, result)
    staff = ensure_staff(admin, departments, teams, result)
    ensure_catalog(admin, departments, teams, result)
    residents = ensure_residents(staff["agent"], result)
    summary = cases_import(actor=None, rows=demo_rows(extract), source_system=SOURCE_SYSTEM, label=extract.name)
    result.cases_imported = summary.imported
    if summary.imported:
        add_activity(staff, residents, random.Random(rng_seed))  # noqa: S311 - reproducible demo data
    search_reindex()  # imported cases carry no events: build their search documents (stale ones only)
    result.logins = [(user.email, role) for role, user in staff.items()]
    return result


def ensure_admin(result: SeedResult) -> User:
    email = f"admin@{data.DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=data.DEMO_PASSWORD, display_name="Sysadmin Sol", is_staff=True
            )
            Membership.objects.create(user=user, role="system_admin")
            audit_record(actor=None, action="command:user:create", obj=user, context={"role": "system_admin"})
        result.count("staff")
    return user


def ensure_departments(admin: User, result: SeedResult) -> tuple[dict[str, Department], dict[str, Team]]:
    departments: dict[str, Department] = {}
    teams: dict[str, Team] = {}
    for name, team_names in data.DEPARTMENTS.items():
        dept = Department.objects.filter(code=slugify(name)).first()
        if dept is None:
            dept = department_create(actor=admin, code=slugify(name), name=name)
            result.count("departments")
        departments[name] = dept
        for team_name in team_names:
            team = Team.objects.filter(department=dept, code=slugify(team_name)).first()
            if team is None:
                team = team_create(actor=admin, department=dept, code=slugify(team_name), name=team_name)
                result.count("teams")
            teams[team_name] = team
    return departments, teams


def ensure_staff(
    admin: User, departments: dict[str, Department], teams: dict[str, Team], result: SeedResult
) -> dict[str, User]:
    staff: dict[str, User] = {}
    for local, name, role, dept_name, team_name in data.STAFF:
        email = f"{local}@{data.DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = staff_user_create(actor=admin, email=email, display_name=name, password=data.DEMO_PASSWORD)
            result.count("staff")
        department = departments.get(dept_name) if dept_name else None
        team = teams.get(team_name) if team_name else None
        if not Membership.objects.filter(user=user, role=role).exists():
            membership_grant(actor=admin, user=user, role=role, department=department, team=team)
        staff[role] = user
    return staff


def ensure_catalog(admin: User, departments: dict[str, Department], teams: dict[str, Team], result: SeedResult) -> None:
    groups: dict[str, ServiceGroup] = {}
    for order, (name, name_es) in enumerate(data.GROUPS.items()):
        group = ServiceGroup.objects.filter(code=slugify(name)).first()
        if group is None:
            group = service_group_create(actor=admin, code=slugify(name), name=name, name_es=name_es, order=order)
            result.count("service groups")
        groups[name] = group
    for order, spec in enumerate(data.SERVICE_TYPES):
        name, name_es, group, dept, team, keywords, response, resolution, attributes, flags = spec
        if ServiceType.objects.filter(code=slugify(name)).exists():
            continue
        service_type = service_type_create(
            actor=admin,
            code=slugify(name),
            name=name,
            name_es=name_es,
            group=groups[group],
            department=departments[dept],
            default_team=teams[team],
            keywords=keywords,
            response_target_hours=response,
            resolution_target_hours=resolution,
            order=order,
            **flags,
        )
        for attribute in attributes:
            attribute_add(actor=admin, service_type=service_type, **attribute)
        result.count("service types")


def ensure_residents(agent: User, result: SeedResult) -> list[Person]:
    people = []
    for given, family, language in data.RESIDENTS:
        email = f"{given}.{family}@example.com".lower()
        person, created = person_find_or_create_by_contact(
            actor=agent, email=email, given_name=given, family_name=family
        )
        if created:
            if language != person.preferred_language:
                person_update(actor=agent, person=person, preferred_language=language)
            result.count("residents")
        people.append(person)
    return people


def _target(row: ImportRow) -> str:
    return data.BOSTON_TYPES.get(row.service_type) or data.BOSTON_REASONS.get(row.group) or data.FALLBACK_TYPE


def demo_rows(extract: Path) -> Iterator[ImportRow | RowError]:
    """The extract's rows mapped onto Riverton's catalogue and moved so the newest is today."""
    places = {spec[0]: (spec[2], spec[3], spec[4]) for spec in data.SERVICE_TYPES}
    with extract.open(encoding="utf-8", newline="") as handle:
        rows = list(boston.parse(handle))
    newest = max(row.created_at for row in rows if isinstance(row, ImportRow))
    shift = timedelta(days=(timezone.now() - newest).days)
    now = timezone.now()
    for row in rows:
        if isinstance(row, RowError):
            yield row
            continue
        name = _target(row)
        group, dept, team = places[name]
        closed = row.closed_at + shift if row.closed_at else None
        reopened = closed is not None and closed > now
        yield dataclasses.replace(
            row,
            source_id=f"bos-{row.source_id}",
            service_type=name,
            group=group,
            department=dept,
            queue=team,
            created_at=row.created_at + shift,
            resolution_due_at=row.resolution_due_at + shift if row.resolution_due_at else None,
            closed_at=None if reopened else closed,
            status=CaseStatus.OPEN if reopened else row.status,
            closure_text="" if reopened else row.closure_text,
        )


NOTES = [
    "Crew scheduled for this week.",
    "Checked on site; needs a second visit with the right equipment.",
    "Contractor notified.",
    "Waiting for parts.",
]
UPDATES = [
    "Thank you for your report. A crew has been scheduled.",
    "We have inspected the location and the repair is planned.",
    "Your request has been passed to the team that handles it.",
]


def add_activity(staff: dict[str, User], residents: list[Person], rng: random.Random) -> None:
    """Give recent open cases realistic work: requesters, assignments, notes and status changes."""
    cases = list(Case.objects.filter(source_system=SOURCE_SYSTEM).order_by("-created_at")[:600])
    admin, supervisor = staff["system_admin"], staff["supervisor"]
    for index, case in enumerate(cases):
        actor = supervisor if case.department.code == "public-works" else admin
        if index % 3 == 0:
            case_set_requester(actor=staff["agent"], case=case, person=rng.choice(residents))
        if case.status != CaseStatus.OPEN or index % 2:
            continue
        _work_case(case, actor, staff, rng)


def _work_case(case: Case, actor: Any, staff: dict[str, User], rng: random.Random) -> None:
    assignee = staff["caseworker"] if case.team_id and case.team.code == "street-lights" else None
    if case.team_id:
        case_assign(actor=actor, case=case, team=case.team, assignee=assignee)
    case_add_note(actor=actor, case=case, body=rng.choice(NOTES), public=False)
    step = rng.random()
    if step < 0.4:
        case_transition(actor=actor, case=case, to_status="in_progress")
        case_add_note(actor=actor, case=case, body=rng.choice(UPDATES), public=True)
    elif step < 0.5:
        case_transition(actor=actor, case=case, to_status="waiting", note="Could you tell us the exact address?")
