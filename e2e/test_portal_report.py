"""The resident's report flow in Chromium (issue 4 §2, §3, §9, §11): with a photo and a map pin, from the
keyboard alone, with JavaScript off; axe-core finds nothing on the form, review and done pages at 320 and
1280 px wide."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.axe import assert_accessible
from e2e.conftest import TIMEOUT_MS
from e2e.keyboard import arrow_to_checked, tab_to

WIDTHS = (320, 1280)
REVIEW = re.compile(r"/report/pothole/review/$")
DONE = re.compile(r"/report/done/$")


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    from django.core.cache import cache

    from civitas.catalog.definitions import clear

    cache.clear()
    clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


@pytest.fixture
def questions(service_type: Any) -> Any:
    from civitas.catalog.definitions import clear
    from civitas.catalog.models import AttributeValue, ServiceAttribute

    size = ServiceAttribute.objects.create(
        service_type=service_type,
        code="size",
        datatype="singlevaluelist",
        description="How big is it?",
        required=True,
        order=1,
    )
    AttributeValue.objects.create(attribute=size, key="small", name="Smaller than a plate", order=1)
    AttributeValue.objects.create(attribute=size, key="large", name="Larger than a plate", order=2)
    ServiceAttribute.objects.create(
        service_type=service_type,
        code="depth",
        datatype="number",
        description="How deep is it in centimetres?",
        order=2,
    )
    clear()
    return service_type


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """open_page(width=1280, js=True) → a page on the live server; outside requests (map tiles) fail fast."""
    contexts: list[Any] = []
    failures: list[str] = []

    def make(width: int = 1280, *, js: bool = True) -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}, java_script_enabled=js
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route(re.compile(r"^(?!" + re.escape(live_server.url) + ")"), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: failures.append(f"JavaScript error: {error}"))
        page.on(
            "response",
            lambda r: failures.append(f"{r.url}: {r.status}") if "/static/" in r.url and r.status >= 400 else None,
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not failures, "\n".join(failures)


def photo_bytes() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (42.0, 21.0, 36.0), 3: "W", 4: (71.0, 3.0, 32.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def choose(page: Any, label: str) -> None:
    page.locator("label", has_text=label).click()


def test_report_with_a_photo_and_a_map_pin(open_page, questions, axe_source):
    from civitas.cases.models import Attachment, Case

    page = open_page(1280)
    page.goto("/report/pothole/")
    expect(page.locator("#report-map")).to_be_visible()  # JavaScript shows the map
    assert_accessible(page, axe_source)

    choose(page, "Larger than a plate")
    page.get_by_label("How deep is it in centimetres?").fill("12")
    page.get_by_label("Describe the problem").fill("Deep pothole by the bus stop")
    page.locator("#report-map").click(position={"x": 200, "y": 150})
    expect(page.locator("#id_lat")).not_to_have_value("")
    expect(page.locator("#map-status")).to_contain_text("Pin placed")
    page.locator("#id_photos").set_input_files(
        [{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    choose(page, "No, send it without my details")
    page.get_by_role("button", name="Continue to check your answers").click()

    expect(page).to_have_url(REVIEW)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    expect(page.get_by_text("IMG_0001.jpg")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Send my report").click()

    expect(page).to_have_url(DONE)
    case = Case.objects.get()
    expect(page.locator("#case-reference")).to_have_text(case.reference)
    assert case.lat is not None and case.attributes == {"size": "large", "depth": 12}
    assert Attachment.objects.get(case=case).is_public is False
    assert_accessible(page, axe_source)


def test_report_from_the_keyboard_alone(open_page, questions, axe_source):
    from civitas.cases.models import Case

    page = open_page(1280)
    page.goto("/report/pothole/")
    tab_to(page, page.locator("#id_attr__size_0"))
    arrow_to_checked(page, page.locator("#id_attr__size_1"), key="ArrowDown")
    tab_to(page, page.get_by_label("Describe the problem"))
    page.keyboard.type("Pothole, reported from the keyboard")
    tab_to(page, page.locator("#report-map"))
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")  # the pin goes in the middle of the map
    expect(page.locator("#id_lat")).not_to_have_value("")
    tab_to(page, page.get_by_label("Address or place"))
    page.keyboard.type("1 City Hall Square")
    tab_to(page, page.locator("#id_contact_choice_0"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type("ana@example.org")
    tab_to(page, page.get_by_role("button", name="Continue to check your answers"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(REVIEW)
    tab_to(page, page.get_by_role("button", name="Send my report"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(DONE)
    case = Case.objects.get()
    assert case.requester is not None and case.address == "1 City Hall Square"
    expect(page.get_by_text("We are sending you a message")).to_be_visible()


def test_report_with_javascript_off_and_an_error_on_the_way(open_page, questions, axe_source):
    from civitas.cases.models import Case

    page = open_page(320, js=False)
    page.goto("/report/pothole/")
    expect(page.locator("#report-map")).to_be_hidden()  # no map without JavaScript: the address is the path
    page.get_by_label("Describe the problem").fill("Kept after the error")
    page.get_by_role("button", name="Continue to check your answers").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("How big is it is required"))).to_be_visible()
    expect(page.get_by_label("Describe the problem")).to_have_value("Kept after the error")

    page.locator("label[for=id_attr__size_0]").click()
    page.get_by_label("Address or place").fill("1 City Hall Square")
    page.locator("label[for=id_contact_choice_1]").click()
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page).to_have_url(REVIEW)
    page.get_by_role("button", name="Send my report").click()
    expect(page).to_have_url(DONE)
    case = Case.objects.get()
    assert case.lat is None and case.description == "Kept after the error"
    expect(page.locator("#case-reference")).to_have_text(case.reference)


@pytest.mark.parametrize("width", WIDTHS)
def test_form_review_and_done_pages_are_accessible(open_page, questions, axe_source, width):
    from civitas.cases.services import case_create

    case_create(  # an open request nearby, so the review page shows a possible duplicate
        actor=None,
        service_type="pothole",
        channel="web",
        lat=42.36011,
        long=-71.05891,
        address="City Hall Plaza",
        attributes={"size": "small"},
    )
    page = open_page(width)
    page.goto("/report/pothole/")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Continue to check your answers").click()  # every error shown
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, axe_source)

    choose(page, "Smaller than a plate")
    page.get_by_label("Latitude").fill("42.3601")
    page.get_by_label("Longitude").fill("-71.0589")
    page.locator("#id_long").press("Tab")
    expect(page.locator("#report-duplicates")).to_contain_text("This may already be reported")
    choose(page, "Yes, contact me about this request")
    page.get_by_label("Email address").fill("ana@example.org")
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page).to_have_url(REVIEW)
    expect(page.get_by_text("This may already be reported")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="Send my report").click()
    expect(page).to_have_url(DONE)
    assert_accessible(page, axe_source)


def test_follow_instead_of_a_new_report(open_page, questions, axe_source):
    from civitas.cases.models import Case, CaseFollower
    from civitas.cases.services import case_create

    existing = case_create(
        actor=None, service_type="pothole", channel="web", lat=42.36011, long=-71.05891, attributes={"size": "small"}
    )
    page = open_page(320)
    page.goto("/report/pothole/")
    choose(page, "Smaller than a plate")
    page.get_by_label("Latitude").fill("42.3601")
    page.get_by_label("Longitude").fill("-71.0589")
    choose(page, "Yes, contact me about this request")
    page.get_by_label("Email address").fill("ana@example.org")
    page.get_by_role("button", name="Continue to check your answers").click()
    page.get_by_role("button", name=re.compile("Follow this instead")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are following this request")
    assert existing.tracking_token not in page.content()
    assert_accessible(page, axe_source)
    assert Case.objects.count() == 1 and CaseFollower.objects.filter(case=existing).count() == 1
