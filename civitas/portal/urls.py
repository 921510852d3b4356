"""The resident portal's routes (namespace "portal").

Each area's view module holds its own `urls` list. Every route name here must be in
civitas.accounts.permissions.ROUTE_RULES (tests/test_route_permissions.py checks).
"""

from civitas.portal.views import account, catalogue, public, report, satisfaction, track

app_name = "portal"

urlpatterns = [
    *catalogue.urls,
    *public.urls,
    *report.urls,
    *track.urls,
    *satisfaction.urls,
    *account.urls,
]
