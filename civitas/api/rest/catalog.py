"""REST API v1: the service catalogue as staff see it (private types included, in the key's departments)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from civitas.api.rest.common import READ_ERRORS
from civitas.api.rest.schemas import ServiceDetailOut, ServiceOut
from civitas.catalog.models import ServiceAttribute, ServiceType
from civitas.catalog.selectors import attributes_for, service_types_for_staff
from civitas.core.errors import NotFound

router = Router(tags=["catalogue"])
MAX_CODE_LENGTH = 100


def service_out(service_type: ServiceType) -> dict[str, Any]:
    return {
        "code": service_type.code,
        "name": service_type.name,
        "description": service_type.description,
        "kind": service_type.kind,
        "group": service_type.group.code if service_type.group_id else None,
        "department": service_type.department.code,
        "default_priority": service_type.default_priority,
        "is_private": service_type.is_private,
        "is_active": service_type.is_active,
    }


def attribute_out(attribute: ServiceAttribute) -> dict[str, Any]:
    return {
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "variable": attribute.variable,
        "description": attribute.description,
        "datatype_description": attribute.datatype_description,
        "order": attribute.order,
        "values": [{"key": value.key, "name": value.name} for value in attribute.values.all()],
    }


@router.get("", response={200: list[ServiceOut], **READ_ERRORS}, url_name="services")
def list_services(request: HttpRequest, include_inactive: bool = False) -> Any:
    return [
        service_out(item) for item in service_types_for_staff(actor=request.user, include_inactive=include_inactive)
    ]


@router.get("/{code}", response={200: ServiceDetailOut, **READ_ERRORS}, url_name="service")
def get_service(request: HttpRequest, code: str) -> Any:
    """One service type with its attributes (the questions a case of this type answers)."""
    found = None
    if len(code) <= MAX_CODE_LENGTH and "\x00" not in code:
        found = service_types_for_staff(actor=request.user, include_inactive=True).filter(code=code).first()
    if found is None:
        raise NotFound("Not found.")
    return {**service_out(found), "attributes": [attribute_out(item) for item in attributes_for(found)]}
