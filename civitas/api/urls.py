"""The machine interfaces: Open311 GeoReport v2 (plain Django views) and the REST API v1 (django-ninja).

Every route name here must be in civitas.accounts.permissions.ROUTE_RULES (tests/test_route_permissions.py).
"""

from django.urls import include, path

from civitas.api.rest.api import api

urlpatterns = [
    path("open311/v2/", include("civitas.api.open311.urls")),
    path("api/v1/", api.urls),
]
