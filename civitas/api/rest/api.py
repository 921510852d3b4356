"""The REST API v1 (django-ninja): one NinjaAPI, OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from civitas.api.rest import audit, cases, catalog, org, people, sensors
from civitas.api.rest.auth import AUTH

api = NinjaAPI(
    title="Civitas REST API",
    version="1",
    description="Cases, people, the service catalogue, departments and audit events. See docs/howto/api.md.",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
)
api.add_router("/cases", cases.router)
api.add_router("/people", people.router)
api.add_router("/services", catalog.router)
api.add_router("/", org.router)
api.add_router("/audit-events", audit.router)
api.add_router("/sensor-events", sensors.router)
