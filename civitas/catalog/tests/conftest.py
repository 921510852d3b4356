"""Fixtures for the catalogue tests: groups, service types and attributes built straight in the ORM."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType


@pytest.fixture
def group(db) -> ServiceGroup:
    return ServiceGroup.objects.create(code="streets", name_en="Streets", name_es="Calles", order=1)


@pytest.fixture
def catalog_admin(make_staff, department):
    """A department administrator of Public Works (may manage its catalogue)."""
    return make_staff("department_admin", department=department)


@pytest.fixture
def make_service_type(db, group, department) -> Callable[..., ServiceType]:
    counter = {"n": 0}

    def make(code: str | None = None, name: str = "Pothole", **fields: Any) -> ServiceType:
        counter["n"] += 1
        fields.setdefault("group", group)
        fields.setdefault("department", department)
        extra_groups = fields.pop("extra_groups", ())
        service_type = ServiceType.objects.create(code=code or f"type-{counter['n']}", name_en=name, **fields)
        service_type.extra_groups.set(extra_groups)
        return service_type

    return make


@pytest.fixture
def service_type(make_service_type) -> ServiceType:
    return make_service_type("pothole", "Pothole", name_es="Bache", keywords_en="hole, road damage")


@pytest.fixture
def make_attribute(db) -> Callable[..., ServiceAttribute]:
    def make(
        service_type: ServiceType,
        code: str,
        datatype: str,
        description: str = "",
        values: Sequence[tuple[str, str]] = (),
        **fields: Any,
    ) -> ServiceAttribute:
        fields.setdefault("order", ServiceAttribute.objects.filter(service_type=service_type).count() + 1)
        attribute = ServiceAttribute.objects.create(
            service_type=service_type,
            code=code,
            datatype=datatype,
            description_en=description or code.replace("_", " ").capitalize(),
            **fields,
        )
        for order, (key, name) in enumerate(values):
            AttributeValue.objects.create(attribute=attribute, key=key, name_en=name, order=order)
        return attribute

    return make
