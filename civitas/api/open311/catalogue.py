"""GET discovery, services and services/{service_code}: the public catalogue in Open311's shape."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from civitas.api.open311.guards import open311_view
from civitas.api.open311.render import render
from civitas.catalog.definitions import service_definition
from civitas.catalog.models import ServiceAttribute, ServiceType
from civitas.catalog.selectors import service_types_public
from civitas.core.errors import NotFound

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The date this endpoint's behaviour last changed (discovery `changeset`).
CHANGESET = "2026-11-23T00:00:00Z"


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    root = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT or "Contact the city's 311 service.",
        "key_service": settings.OPEN311_KEY_SERVICE
        or "Application keys are issued by the city's integrations administrator.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": root,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


def _service(service_type: ServiceType) -> dict[str, Any]:
    groups = [service_type.group.name, *(group.name for group in service_type.extra_groups.all())]
    return {
        "service_code": service_type.code,
        "service_name": service_type.name,
        "description": service_type.description,
        "metadata": service_type.has_metadata,
        "type": service_type.kind,
        "keywords": ", ".join(service_type.keyword_list),
        "group": service_type.group.name,
        "groups": list(dict.fromkeys(groups)),
    }


@open311_view("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service(service_type) for service_type in service_types_public()])


def _attribute(attribute: ServiceAttribute) -> dict[str, Any]:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": value.key, "name": value.name} for value in attribute.values.all()],
    }


@open311_view("GET")
def service(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    definition = service_definition(code)
    service_type = definition.service_type if definition else None
    if service_type is None or service_type.is_private or not service_type.is_active:
        raise NotFound(f"service_code {code!r} was not found.", field="service_code")
    data = {"service_code": service_type.code, "attributes": [_attribute(a) for a in definition.attributes]}  # type: ignore[union-attr]
    return render(fmt, "service_definition", data)
