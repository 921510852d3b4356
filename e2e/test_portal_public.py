"""The portal's front door in Chromium: home → search → a service; public requests list and map;
axe-core at 320 px and 1280 px on every page of this area; the catalogue in Spanish.

Map tiles cannot load here (the browser context blocks every other host): the map must say so
and the list must still be complete.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.axe import assert_accessible

WIDTHS = (320, 1280)


@pytest.fixture
def catalogue(service_type: Any, department: Any) -> dict[str, Any]:
    """Pothole (from conftest) plus a Spanish catalogue: groups and services with Spanish names."""
    from civitas.cases.models import CaseDailyStat
    from civitas.catalog.models import ServiceGroup, ServiceType

    streets = service_type.group
    streets.name_es = "Calles y aceras"
    streets.save()
    service_type.name_es = "Bache"
    service_type.keywords_es = "socavón, hoyo"
    service_type.save()
    lights = ServiceGroup.objects.create(code="lights", name="Lights and signals", name_es="Luces y señales", order=2)
    light = ServiceType.objects.create(
        code="streetlight", name="Street light out", name_es="Farola apagada", group=lights, department=department
    )
    needles = ServiceType.objects.create(
        code="needles",
        name="Needles found",
        name_es="Agujas encontradas",
        group=streets,
        department=department,
        is_location_sensitive=True,
    )
    today = timezone.localdate()
    CaseDailyStat.objects.create(day=today, service_type=service_type, department=department, opened=7)
    CaseDailyStat.objects.create(day=today, service_type=light, department=department, opened=3)
    return {"pothole": service_type, "light": light, "needles": needles}


@pytest.fixture
def cases(catalogue: dict[str, Any], make_case: Any, caseworker: Any) -> list[Any]:
    from civitas.cases.services import case_add_note, case_create

    first = make_case("Deep pothole outside number 12, says Ana Reyes", area="Downtown")
    case_add_note(actor=caseworker, case=first, body="A crew is booked for Tuesday.", public=True)
    second = case_create(
        actor=caseworker,
        service_type="needles",
        channel="phone",
        description="Needles behind the school",
        lat=42.352,
        long=-71.065,
        address="3 School Lane",
        area="Harbour",
    )
    return [first, second]


def _at_width(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})


def _no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_search_from_home_leads_to_the_service(new_page, catalogue, axe_source):
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you need help with?")
    popular = page.locator("#popular-heading + ul")
    expect(popular.get_by_role("link").first).to_have_text("Pothole")  # most requested first
    page.get_by_label("Describe the problem or the service in a few words").fill("hole in the road")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/services/\?q=hole"))
    results = page.locator("#results-heading + p + ul")
    expect(results.get_by_role("link", name="Pothole")).to_be_visible()
    results.get_by_role("link", name="Pothole").click()
    expect(page).to_have_url(re.compile(r"/pothole/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_no_results_offers_the_groups(new_page, catalogue):
    page = new_page()
    page.goto("/services/?q=unicorns")
    expect(page.get_by_text("We could not find a service for those words")).to_be_visible()
    page.get_by_role("link", name="Lights and signals").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lights and signals")
    expect(page.get_by_role("link", name="Street light out")).to_be_visible()


def test_public_list_and_map_work_without_tiles(new_page, cases, axe_source):
    page = new_page()
    page.goto("/requests/")
    table = page.get_by_role("table")
    for case in cases:
        expect(table.get_by_role("link", name=case.reference)).to_be_visible()
    expect(page.get_by_text("Ana Reyes")).to_have_count(0)
    # the map loaded its points; the tiles could not load, and it says so
    expect(page.locator("#requests-map .leaflet-marker-icon")).to_have_count(2)
    expect(page.locator("#requests-map-status")).to_contain_text("could not be loaded")
    # a marker is reached with the keyboard and opens a popup linking to the request
    marker = page.get_by_role("button", name=re.compile(cases[0].reference))
    marker.focus()
    expect(marker).to_be_focused()
    page.keyboard.press("Enter")
    popup_link = page.locator(".leaflet-popup-content a").first
    expect(popup_link).to_have_attribute("href", f"/requests/{cases[0].reference}/")
    # filters narrow the list and the map alike
    page.get_by_label("Status").select_option("open")
    page.get_by_label("Service").select_option("needles")
    page.get_by_role("button", name="Show requests").click()
    expect(page).to_have_url(re.compile(r"service=needles"))
    expect(page.locator("#requests-map .leaflet-marker-icon")).to_have_count(1)
    expect(table.get_by_role("link")).to_have_count(1)
    page.get_by_role("link", name=cases[1].reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Needles found")
    expect(page.get_by_text("only the general area")).to_be_visible()


def test_bad_filters_are_named_and_the_list_still_shows(new_page, cases, axe_source):
    page = new_page()
    page.goto("/requests/?since=2026-13-45&service=unicorns&area=Downtown")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Some filters could not be used")
    expect(page.locator("#filter-errors")).to_be_focused()
    summary.get_by_role("link", name=re.compile("Service")).click()
    expect(page.get_by_label("Service")).to_be_focused()
    expect(page.get_by_label("Area or neighbourhood")).to_have_value("Downtown")
    expect(page.get_by_role("table").get_by_role("link", name=cases[0].reference)).to_be_visible()
    assert_accessible(page, axe_source)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_of_the_area_is_accessible(new_page, cases, axe_source, width):
    pages = [
        "/",
        "/services/",
        "/services/?q=hole",
        "/services/?q=unicorns",
        "/services/streets/",
        "/requests/",
        "/requests/?status=closed",
        "/requests/?since=bad",
        f"/requests/{cases[0].reference}/",
        f"/requests/{cases[1].reference}/",
    ]
    page = new_page()
    _at_width(page, width)
    for url in pages:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, axe_source)
        _no_sideways_scroll(page)


def test_spanish_from_the_header_switcher(new_page, cases):
    page = new_page()
    page.goto("/")
    page.wait_for_load_state("networkidle")  # the icon request would be cut off by the next navigation
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#popular-heading + ul").get_by_role("link").first).to_have_text("Bache")
    expect(page.get_by_role("link", name="Calles y aceras")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Luces y señales").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Luces y señales")
    expect(page.get_by_role("link", name="Farola apagada")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.goto("/services/?q=socav%C3%B3n")
    expect(page.locator("#results-heading + p + ul").get_by_role("link", name="Bache")).to_be_visible()
