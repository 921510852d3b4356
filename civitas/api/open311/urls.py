"""Open311 GeoReport v2 routes (namespace "open311"); each view answers in XML or JSON by URL suffix.

Every path ends in `.<format>`; an unknown format gets a JSON 404. Anything else under /open311/v2/
reaches the catch-all and gets the Open311 404 too (never an HTML page).
"""

from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from civitas.api.open311 import catalogue, requests, updates
from civitas.api.open311.render import error

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"


@csrf_exempt
def _fallback(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = path.rsplit(".", 1)[-1].lower() if "." in path else "json"
    return error(fmt if fmt in ("json", "xml") else "json", 404, "Not found: see discovery.json.")


urlpatterns = [
    re_path(r"^discovery" + FMT, catalogue.discovery, name="discovery"),
    re_path(r"^services" + FMT, catalogue.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+)" + FMT, catalogue.service, name="service"),
    re_path(r"^requests" + FMT, requests.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FMT, requests.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, requests.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, updates.updates, name="updates"),
    re_path(r"^(?P<path>.*)$", _fallback, name="not-found"),
]
