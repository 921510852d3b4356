"""Track a request in a real browser (issue 4 §4, §7, §11): by the private link, by reference + email
(with JavaScript off), follow updates, and the satisfaction survey; axe-core finds nothing at 320 px and
1280 px on the track form, the tracking page (and its error state) and the satisfaction page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.axe import assert_accessible

WIDTHS = (320, 1280)
EMAIL = "ana@example.org"


@pytest.fixture
def resident_case(service_type: Any) -> Any:
    from civitas.cases.services import case_create
    from civitas.people.services import person_find_or_create_by_contact

    person, _ = person_find_or_create_by_contact(actor=None, email=EMAIL)
    return case_create(
        actor=None, service_type=service_type.code, channel="web", address="12 Main St", requester=person
    )


def check_widths(page: Any, axe_source: Any) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, axe_source)


def test_track_form_is_accessible_with_and_without_errors(new_page, resident_case, axe_source):
    page = new_page()
    page.goto("/track/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Track a request")
    check_widths(page, axe_source)
    page.get_by_role("button", name="Find my request").click()
    summary = page.locator(".civitas-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("Enter the reference")).click()
    expect(page.get_by_label("Reference")).to_be_focused()
    check_widths(page, axe_source)


def test_track_by_reference_and_email_without_javascript(browser, live_server, resident_case):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/track/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Track a request")

        # A wrong contact: one generic message, values kept.
        page.get_by_label("Reference").fill(resident_case.reference)
        page.get_by_label("Email address or phone number").fill("someone@example.org")
        page.get_by_role("button", name="Find my request").click()
        expect(page.get_by_role("alert")).to_contain_text("We could not find a request")
        expect(page.get_by_label("Reference")).to_have_value(resident_case.reference)

        page.get_by_label("Email address or phone number").fill(EMAIL.upper())
        page.get_by_role("button", name="Find my request").click()
        expect(page).to_have_url(re.compile(r"/track/[A-Za-z0-9_-]{20,}/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Request {resident_case.reference}")
        expect(page.get_by_text("We have received it")).to_be_visible()
    finally:
        context.close()


def test_track_by_link_follow_and_errors(new_page, resident_case, axe_source):
    page = new_page()
    page.goto(f"/track/{resident_case.tracking_token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Request {resident_case.reference}")
    expect(page.get_by_text("Pothole")).to_be_visible()
    expect(page.get_by_text("We received your request")).to_be_visible()
    check_widths(page, axe_source)

    # A bad contact: the summary takes the focus and links to the field; the value is kept.
    page.get_by_label("Get updates about this request").fill("not an email")
    page.get_by_role("button", name="Send me updates").click()
    summary = page.locator(".civitas-error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Get updates about this request")).to_have_value("not an email")
    check_widths(page, axe_source)

    page.get_by_label("Get updates about this request").fill("ben@example.org")
    page.get_by_role("button", name="Send me updates").click()
    expect(page.get_by_text("We will tell you when there is news about this request.")).to_be_visible()

    from civitas.cases.models import CaseFollower

    assert CaseFollower.objects.filter(case=resident_case, person__contact_points__value="ben@example.org").exists()


def test_satisfaction_survey(new_page, resident_case, supervisor, axe_source):
    from civitas.cases.models import SatisfactionResponse
    from civitas.cases.services import case_transition

    case_transition(actor=supervisor, case=resident_case, to_status="resolved")
    page = new_page()
    page.goto(f"/track/{resident_case.tracking_token}/")
    page.get_by_role("link", name="Tell us how we did").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us how we did")
    check_widths(page, axe_source)

    # Nothing answered: the error is named and linked.
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".civitas-error-summary")).to_contain_text("Answer at least one question")
    check_widths(page, axe_source)

    page.locator("label", has_text="Yes").click()
    page.locator("label", has_text="4 – Good").click()
    page.get_by_label("Anything else you want to tell us?").fill("Quick and tidy.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you. We have saved your answer.")).to_be_visible()
    expect(page.get_by_text("You can change your answer until")).to_be_visible()
    check_widths(page, axe_source)

    answer = SatisfactionResponse.objects.get(case=resident_case)
    assert (answer.fixed, answer.rating, answer.comment) == (True, 4, "Quick and tidy.")
