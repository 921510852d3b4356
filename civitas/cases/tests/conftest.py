from __future__ import annotations

import pytest


@pytest.fixture
def team(department):
    from civitas.accounts.models import Team

    return Team.objects.create(department=department, code="lights", name="Street lights")


@pytest.fixture
def service_type(department, team):
    from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="streets", name="Streets")
    st = ServiceType.objects.create(
        code="streetlight",
        name="Street light out",
        group=group,
        department=department,
        default_team=team,
        response_target_hours=24,
        resolution_target_hours=72,
    )
    ServiceAttribute.objects.create(
        service_type=st, code="pole", datatype="string", required=True, description="Pole number", order=1
    )
    size = ServiceAttribute.objects.create(
        service_type=st, code="lamps", datatype="singlevaluelist", description="How many lamps are out?", order=2
    )
    AttributeValue.objects.create(attribute=size, key="one", name="One")
    AttributeValue.objects.create(attribute=size, key="several", name="Several")
    return st


@pytest.fixture
def other_service_type(other_department):
    from civitas.catalog.models import ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="parks", name="Parks")
    return ServiceType.objects.create(
        code="park-litter", name="Litter in a park", group=group, department=other_department
    )


@pytest.fixture
def caseworker(make_staff, department, team):
    return make_staff("caseworker", department, team)


@pytest.fixture
def supervisor(make_staff, department):
    return make_staff("supervisor", department)


@pytest.fixture
def person(db):
    from civitas.people.models import Person

    return Person.objects.create(given_name="Ana", family_name="Reyes")


@pytest.fixture
def make_case(service_type, caseworker):
    from civitas.cases.services import case_create

    def make(**overrides):
        values = {
            "actor": caseworker,
            "service_type": service_type,
            "channel": "phone",
            "description": "The light outside number 12 is out.",
            "attributes": {"pole": "P-1001"},
            "lat": 42.35,
            "long": -71.06,
        }
        values.update(overrides)
        return case_create(**values)

    return make
