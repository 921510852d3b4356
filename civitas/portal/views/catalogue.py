"""Portal: the home page and the service catalogue (find a service by words, or browse by group).

The catalogue pages read the public catalogue (active, never private service types) in the
active language. The grouped catalogue and the "most requested" list are cached per language
and catalogue version (any catalogue change bumps the version), so the home page costs one
primary-key read when warm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import get_language

from civitas.cases.public import most_requested
from civitas.catalog.definitions import catalog_version
from civitas.catalog.selectors import resolve_language, service_type_search, service_types_public

HOME_POPULAR = 6
SEARCH_LIMIT = 20
QUERY_MAX_LENGTH = 200
CATALOGUE_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ServiceItem:
    code: str
    name: str
    description: str


@dataclass
class GroupItem:
    code: str
    name: str
    description: str
    services: list[ServiceItem] = field(default_factory=list)


def public_catalogue(language: str, version: int) -> list[GroupItem]:
    """The public catalogue by group (a service in extra groups appears under each), cached."""
    key = f"portal:catalogue:{language}:{version}"
    groups = cache.get(key)
    if groups is None:
        groups = _build_catalogue(language)
        cache.set(key, groups, CATALOGUE_CACHE_SECONDS)
    return groups


def _build_catalogue(language: str) -> list[GroupItem]:
    by_code: dict[str, GroupItem] = {}
    extra: list[tuple[object, ServiceItem]] = []
    for service_type in service_types_public(language=language):
        item = ServiceItem(code=service_type.code, name=service_type.name, description=service_type.description)
        _group_item(by_code, service_type.group).services.append(item)
        extra.extend((group, item) for group in service_type.extra_groups.all())
    for group, item in extra:
        entry = _group_item(by_code, group)
        if item not in entry.services:
            entry.services.append(item)
    return [group for group in by_code.values() if group.services]


def _group_item(by_code: dict[str, GroupItem], group: object) -> GroupItem:
    code = group.code  # type: ignore[attr-defined]
    if code not in by_code:
        by_code[code] = GroupItem(code=code, name=group.name, description=group.description)  # type: ignore[attr-defined]
    return by_code[code]


def _language() -> str:
    return resolve_language(get_language())


def home(request: HttpRequest) -> HttpResponse:
    language = _language()
    version = catalog_version()
    context = {
        "popular": most_requested(limit=HOME_POPULAR, language=language, version=version),
        "groups": public_catalogue(language, version),
    }
    return render(request, "portal/home.html", context)


def services(request: HttpRequest) -> HttpResponse:
    """Find a service: `?q=` searches names, keywords and descriptions; the groups are always offered."""
    query = " ".join((request.GET.get("q") or "").split())[:QUERY_MAX_LENGTH]
    language = _language()
    results = service_type_search(query, language=language, limit=SEARCH_LIMIT) if query else []
    context = {
        "query": query,
        "results": results,
        "groups": public_catalogue(language, catalog_version()),
    }
    return render(request, "portal/catalogue/services.html", context)


def group(request: HttpRequest, code: str) -> HttpResponse:
    """One group's public services; unknown, inactive or empty groups are not found."""
    groups = public_catalogue(_language(), catalog_version())
    chosen = next((item for item in groups if item.code == code), None)
    if chosen is None:
        raise Http404("No such group of services.")
    return render(request, "portal/catalogue/group.html", {"group": chosen, "groups": groups})


urls: list[URLPattern] = [
    path("", home, name="home"),
    path("services/", services, name="services"),
    path("services/<slug:code>/", group, name="group"),
]
