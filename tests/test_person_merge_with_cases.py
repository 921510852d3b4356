"""Cross-app: merging two people re-points the cases they asked for and follow."""

from __future__ import annotations

import pytest

from civitas.accounts.models import Department
from civitas.cases.models import CaseFollower
from civitas.cases.services import case_create, case_follow
from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.people.services import person_create, person_merge

pytestmark = pytest.mark.django_db


def test_merge_moves_requests_and_follows(make_staff):
    dept = Department.objects.create(code="pw", name="Public Works")
    group = ServiceGroup.objects.create(code="streets", name="Streets")
    service_type = ServiceType.objects.create(code="pothole", name="Pothole", group=group, department=dept)
    agent = make_staff("agent")
    supervisor = make_staff("supervisor", dept)
    one = person_create(actor=agent, given_name="Ana", emails=["ana@example.com"])
    two = person_create(actor=agent, given_name="Ana", phones=["+1 617 555 0100"])
    asked = case_create(actor=agent, service_type=service_type, channel="phone", requester=two)
    followed = case_create(actor=agent, service_type=service_type, channel="phone")
    case_follow(actor=None, case=followed, person=one)
    case_follow(actor=None, case=followed, person=two)
    person_merge(actor=supervisor, source=two, target=one)
    asked.refresh_from_db()
    assert asked.requester == one
    assert list(CaseFollower.objects.filter(case=followed).values_list("person_id", flat=True)) == [one.pk]
