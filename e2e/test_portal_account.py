"""Resident accounts in Chromium: sign in by the emailed link, my requests, my details with consent, delete.

The emailed link is made as the delivery task makes it (`sign_in_link_issue_token` on the link the
form created), so the test drives the same URL a resident gets. Every page is checked with axe-core
at 320 px and 1280 px, and must not scroll sideways on a phone.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.axe import axe_violations, describe

EMAIL = "resident@example.org"
WIDTHS = [320, 1280]


def check_page(page: Any, axe_source: Any, width: int) -> None:
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations, page.url)
    if width <= 320:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {width}px"


def go(page: Any, path: str) -> None:
    """Open `path` once the current page has finished loading (no asset request cut short)."""
    page.wait_for_load_state("networkidle")
    page.goto(path)


def emailed_link(live_server: Any) -> str:
    """The link the sign-in email carries (the delivery task issues the token the same way)."""
    from civitas.people.models import SignInLink
    from civitas.people.residents import sign_in_link_issue_token

    link = SignInLink.objects.order_by("-id").first()
    assert link is not None, "the form did not create a sign-in link"
    return f"/account/sign-in/{sign_in_link_issue_token(link=link)}/"


@pytest.mark.parametrize("width", WIDTHS)
def test_resident_signs_in_sees_requests_keeps_details_and_deletes_them(
    new_page, live_server, axe_source, service_type, width
):
    from civitas.cases.services import case_create
    from civitas.people.models import ContactPoint, Person

    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})

    # Sign in: ask for a link (keyboard only), see the same "check your email" page.
    go(page, "/account/sign-in/")
    check_page(page, axe_source, width)
    page.get_by_label("Email address").fill("not an email")
    page.get_by_label("Email address").press("Enter")
    expect(page.locator(".civitas-error-summary")).to_be_focused()
    check_page(page, axe_source, width)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Email address").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page, axe_source, width)

    # Open the emailed link: signed in, on My requests.
    link = emailed_link(live_server)
    go(page, link)
    check_page(page, axe_source, width)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    person = Person.objects.get(contact_points__value=EMAIL)
    case = case_create(actor=None, service_type=service_type.code, channel="web", description="Hole", requester=person)
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    check_page(page, axe_source, width)

    # My details: keep name and address with consent; the choice shows in the history.
    page.get_by_role("link", name="My details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My details")
    check_page(page, axe_source, width)
    page.get_by_label("First name").fill("Ana")
    page.get_by_role("button", name="Save my details").click()
    expect(page.locator(".civitas-error-summary")).to_be_focused()
    expect(page.get_by_label("First name")).to_have_value("Ana")
    check_page(page, axe_source, width)
    page.locator(".usa-checkbox__label[for='id_store_details']").click()
    page.get_by_label("Address", exact=True).fill("1 Elm St")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Ana")
    expect(page.get_by_role("table")).to_contain_text("Keep my details to fill in future forms")
    check_page(page, axe_source, width)

    # Delete my details: explained, confirmed, signed out.
    page.get_by_role("link", name="Delete my details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete my details")
    check_page(page, axe_source, width)
    page.get_by_role("button", name="Yes, delete my details").click()
    expect(page.get_by_text("Your details are deleted and you are signed out.")).to_be_visible()
    assert not ContactPoint.objects.filter(person=person).exists()
    go(page, "/account/requests/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    # The used link offers a new one.
    go(page, link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This sign-in link does not work")
    check_page(page, axe_source, width)


def test_sign_out_from_the_account_menu(new_page, live_server):
    page = new_page()
    go(page, "/account/sign-in/")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    go(page, emailed_link(live_server))
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    go(page, "/account/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


@pytest.mark.parametrize("width", WIDTHS)
def test_too_many_links_page_keeps_the_address_and_is_accessible(new_page, live_server, axe_source, settings, width):
    from django.core.cache import cache

    cache.clear()
    settings.PORTAL_SIGN_IN_RATE_CONTACT = "1/h"
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    for heading in ("Check your email", "Too many sign-in links asked for"):
        go(page, "/account/sign-in/")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    check_page(page, axe_source, width)
    cache.clear()
