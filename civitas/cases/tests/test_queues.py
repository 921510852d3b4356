"""Queue selectors: which cases each queue holds, filters, and keyset pages that miss nothing."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from civitas.accounts.models import Membership, Team
from civitas.cases.models import Case, Tag
from civitas.cases.queues import (
    SORTS,
    Cursor,
    QueueFilters,
    cursor_decode,
    cursor_encode,
    queue_cases,
    queue_page,
    workload_for,
)
from civitas.core.errors import NotFound, ValidationError

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def make_cases(count: int, *, service_type, **values) -> list[Case]:
    """Cases written straight to the table (test data: no services, no audit), with unique references."""
    now = timezone.now()
    defaults = {
        "department_id": service_type.department_id,
        "channel": "web",
        "status": "new",
        "resolution_due_at": now + timedelta(days=3),
        "created_at": now,
        "updated_at": now,
    }
    cases = []
    for _ in range(count):
        number = next(_numbers)
        cases.append(
            Case(
                reference=f"SR-2026-{number:06d}",
                tracking_token=f"token-{number}",
                service_type=service_type,
                **{**defaults, **values},
            )
        )
    return Case.objects.bulk_create(cases)


def refs(cases) -> set[str]:
    return {case.reference for case in cases}


@pytest.fixture
def admin(make_staff):
    return make_staff("system_admin")


def test_each_queue_holds_its_cases(caseworker, team, service_type, other_service_type, admin):
    now = timezone.now()
    mine = make_cases(1, service_type=service_type, assignee=caseworker, team=team)
    teams = make_cases(1, service_type=service_type, team=team)
    unassigned = make_cases(1, service_type=service_type)
    overdue = make_cases(1, service_type=service_type, resolution_due_at=now - timedelta(hours=1))
    soon = make_cases(1, service_type=service_type, resolution_due_at=now + timedelta(hours=3))
    paused = make_cases(1, service_type=service_type, status="waiting", resolution_due_at=now - timedelta(hours=1))
    closed = make_cases(1, service_type=service_type, status="closed", updated_at=now - timedelta(days=30))
    foreign = make_cases(1, service_type=other_service_type)

    def queue(name, actor=caseworker):
        return refs(queue_cases(actor=actor, queue=name, now=now))

    open_here = refs(mine + teams + unassigned + overdue + soon + paused)
    assert queue("mine") == refs(mine)
    assert queue("team") == refs(mine + teams)
    assert queue("department") == open_here
    assert queue("unassigned") == open_here - refs(mine)
    assert queue("overdue") == refs(overdue)  # waiting on the resident pauses the clock
    assert queue("due-soon") == refs(soon)
    assert queue("all-open") == open_here
    assert queue("recent") == open_here
    assert refs(foreign) <= queue("all-open", admin)
    assert refs(closed).isdisjoint(queue("all-open", admin))


def test_unknown_queue_is_not_found(caseworker):
    with pytest.raises(NotFound):
        queue_cases(actor=caseworker, queue="everything")


def test_filters(caseworker, team, service_type):
    now = timezone.now()
    urgent = make_cases(1, service_type=service_type, priority="urgent", area="North End", team=team)
    old = make_cases(1, service_type=service_type, created_at=now - timedelta(days=10), channel="phone")
    tagged = make_cases(1, service_type=service_type)
    tagged[0].tags.add(Tag.objects.create(name="graffiti"))

    def run(**filters):
        return refs(queue_cases(actor=caseworker, queue="all-open", filters=QueueFilters(**filters)))

    assert run(priority="urgent") == refs(urgent)
    assert run(area="north") == refs(urgent)
    assert run(team=team) == refs(urgent)
    assert run(channel="phone") == refs(old)
    assert run(tag="graffiti") == refs(tagged)
    assert run(created_to=date.today() - timedelta(days=5)) == refs(old)
    assert run(created_from=date.today()) == refs(urgent + tagged)
    assert run(due_from=date.today() + timedelta(days=10)) == set()


@pytest.mark.parametrize("sort", list(SORTS))
def test_keyset_pages_walk_forward_and_back_without_gaps(caseworker, service_type, sort):
    now = timezone.now()
    # Ties in every sort key and cases without a due time, to exercise the tie-breaks and NULLs last.
    for index in range(7):
        make_cases(
            3,
            service_type=service_type,
            resolution_due_at=None if index == 3 else now + timedelta(hours=index),
            created_at=now - timedelta(days=index % 3),
            updated_at=now - timedelta(hours=index % 2),
            priority=["low", "normal", "high", "urgent"][index % 4],
        )
    everything = list(queue_cases(actor=caseworker, queue="all-open"))
    seen, pages, cursor = [], [], ""
    while True:
        page = queue_page(actor=caseworker, queue="all-open", sort=sort, cursor=cursor, size=4)
        pages.append(page)
        seen += [case.reference for case in page.cases]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == len(everything)
    if sort == "due":
        dues = [case.resolution_due_at for page in pages for case in page.cases]
        assert dues[-3:] == [None, None, None]  # no target last
        assert dues[:-3] == sorted(dues[:-3])
    # Walk back from the last page: the same pages, in reverse.
    back = pages[-1]
    for expected in reversed(pages[:-1]):
        back = queue_page(actor=caseworker, queue="all-open", sort=sort, cursor=back.previous_cursor, size=4)
        assert [c.reference for c in back.cases] == [c.reference for c in expected.cases]
    assert back.is_first and back.previous_cursor is None


def test_damaged_cursor_is_a_validation_error():
    with pytest.raises(ValidationError):
        cursor_decode("not-a-cursor!!", sort="due")
    with pytest.raises(ValidationError):
        cursor_decode(cursor_encode(Cursor("newest", [None, 1])), sort="due")


def test_cursor_holds_no_personal_data(caseworker, service_type):
    make_cases(3, service_type=service_type, title="Mrs Smith's dog")
    page = queue_page(actor=caseworker, queue="all-open", size=2)
    decoded = cursor_decode(page.next_cursor, sort="due")
    assert all(not isinstance(value, str) or "Smith" not in value for value in decoded.values)


def test_workload_counts_per_team_person_and_type(make_staff, department, team, service_type, other_service_type):
    supervisor = make_staff("supervisor", department)
    worker = make_staff("caseworker", department, team, display_name="Kim")
    now = timezone.now()
    make_cases(2, service_type=service_type, team=team, assignee=worker, resolution_due_at=now - timedelta(hours=2))
    make_cases(1, service_type=service_type, team=team, resolution_due_at=now + timedelta(hours=2))
    make_cases(1, service_type=service_type, status="closed")
    make_cases(4, service_type=other_service_type)
    other_team = Team.objects.create(department=department, code="x", name="Other")
    Membership.objects.create(user=worker, role="caseworker", department=department, team=other_team)

    workload = workload_for(actor=supervisor, now=now)

    assert [(r.label, r.open, r.overdue, r.due_soon) for r in workload.teams] == [
        (f"{department.name} / {team.name}", 3, 2, 1)
    ]
    assert {(r.label, r.open, r.overdue) for r in workload.people} == {("Kim", 2, 2), ("Nobody (unassigned)", 1, 0)}
    assert [(r.key, r.open, r.overdue) for r in workload.service_types] == [(service_type.pk, 3, 2)]
