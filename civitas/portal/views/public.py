"""Portal: public requests — a filtered list with an "older requests" link, its map data, one request.

Only the public fields of civitas.cases.public are shown (no personal data). Filters come from the
query string; a bad value gets a message next to its field and is ignored, the rest still applies.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civitas.cases.public import (
    PUBLIC_MAP_LIMIT,
    STATUS_GROUP_LABELS,
    PublicFilters,
    public_merged_into,
    public_points,
    public_request,
    public_requests,
)
from civitas.catalog.definitions import catalog_version
from civitas.catalog.selectors import resolve_language
from civitas.core.errors import NotFound
from civitas.portal.views.catalogue import public_catalogue

FILTER_FIELDS = ("service", "status", "area", "since", "until")
AREA_MAX_LENGTH = 120


class RequestFilterForm(forms.Form):
    """The public list's filters. Every field is optional; `service` must be a public service code."""

    service = forms.ChoiceField(label=_("Service"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    area = forms.CharField(label=_("Area or neighbourhood"), required=False, max_length=AREA_MAX_LENGTH, strip=True)
    since = forms.DateField(
        label=_("Sent on or after"),
        required=False,
        help_text=_("For example: 2026-03-31"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as year-month-day, for example 2026-03-31.")},
    )
    until = forms.DateField(
        label=_("Sent on or before"),
        required=False,
        help_text=_("For example: 2026-04-30"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as year-month-day, for example 2026-04-30.")},
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service_field: Any = self.fields["service"]
        service_field.choices = [("", _("Any service")), *services]
        service_field.error_messages["invalid_choice"] = _("We do not know that service. Choose one from the list.")
        status_field: Any = self.fields["status"]
        status_field.choices = [("", _("Open or closed")), *STATUS_GROUP_LABELS.items()]
        status_field.error_messages["invalid_choice"] = _("Choose “Still open” or “Done or closed”.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("This date must be the same as or after the “Sent on or after” date."))
        return cleaned

    def filters(self) -> PublicFilters:
        """The valid filters only: a field with an error is left out, the others still apply."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        valid = {name: data.get(name) for name in FILTER_FIELDS if name not in self.errors}
        return PublicFilters(
            service_code=valid.get("service") or "",
            status=valid.get("status") or "",
            area=valid.get("area") or "",
            since=valid.get("since"),
            until=valid.get("until"),
        )


def _language() -> str:
    return resolve_language(get_language())


def _service_choices(language: str) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for group in public_catalogue(language, catalog_version()):
        for service in group.services:
            seen.setdefault(service.code, service.name)
    return sorted(seen.items(), key=lambda item: item[1].casefold())


def _filter_form(request: HttpRequest, language: str) -> RequestFilterForm:
    data = {name: request.GET.get(name, "") for name in FILTER_FIELDS}
    return RequestFilterForm(data, services=_service_choices(language))


def _filter_query(request: HttpRequest) -> str:
    """The filters of this request as a query string (for the map data and the next page)."""
    values = {name: request.GET.get(name, "").strip() for name in FILTER_FIELDS}
    return urlencode({name: value for name, value in values.items() if value})


def requests_list(request: HttpRequest) -> HttpResponse:
    language = _language()
    form = _filter_form(request, language)
    filters = form.filters()
    page = public_requests(filters, after=request.GET.get("after") or None, language=language)
    query = _filter_query(request)
    older_url = None
    if page.next_cursor:
        older_url = "?" + "&".join(part for part in (query, urlencode({"after": page.next_cursor})) if part)
    context = {
        "form": form,
        "page": page,
        "rows": page.rows,
        "older_url": older_url,
        "is_later_page": bool(request.GET.get("after")),
        "filter_query": query,
        "map_data_url": reverse("portal:requests-map-data") + (f"?{query}" if query else ""),
        "map_limit": PUBLIC_MAP_LIMIT,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "map_center": settings.PORTAL_MAP_CENTER,
    }
    return render(request, "portal/public/requests.html", context)


def requests_map_data(request: HttpRequest) -> JsonResponse:
    """GeoJSON FeatureCollection of the newest PUBLIC_MAP_LIMIT matching requests with a point."""
    language = _language()
    filters = _filter_form(request, language).filters()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.long, row.lat]},
            "properties": {
                "reference": row.reference,
                "service": row.service_name,
                "status": row.status_label,
                "open": row.is_open,
                "street": row.street,
                "area": row.area,
                "created": row.created_at.date().isoformat(),
                "approximate": row.location_is_approximate,
                "url": reverse("portal:request", kwargs={"reference": row.reference}),
            },
        }
        for row in public_points(filters, language=language)
    ]
    body = {"type": "FeatureCollection", "features": features, "limit": PUBLIC_MAP_LIMIT}
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "public, max-age=60"
    return response


def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    language = _language()
    try:
        detail = public_request(reference, language=language)
    except NotFound as error:
        raise Http404(error.message) from error
    context = {
        "item": detail.request,
        "timeline": detail.timeline,
        "merged_into": public_merged_into(reference),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "portal/public/request.html", context)


urls: list[URLPattern] = [
    path("requests/", requests_list, name="requests"),
    path("requests/map.geojson", requests_map_data, name="requests-map-data"),
    path("requests/<str:reference>/", request_detail, name="request"),
]
