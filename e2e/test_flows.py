"""The console's main flows in a real browser (issue 3 §10): intake from the keyboard alone, a public
reply, a merge of two cases, and a conflict between two editors."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.axe import assert_accessible
from e2e.keyboard import arrow_to_checked, tab_to

CASE_URL = re.compile(r"/console/cases/(SR-\d{4}-\d{6})/")
CALLERS = re.compile(r"/console/new/callers/")
SERVICE_TYPES = re.compile(r"/console/new/service-types/")
QUESTIONS = re.compile(r"/console/new/questions/")


def choose(scope, label: str) -> None:
    """Tick a USWDS radio or checkbox the way a mouse user does: by its label (the input is hidden)."""
    scope.locator("label", has_text=label).click()


def test_call_centre_intake_from_the_keyboard_alone(new_page, agent, caseworker, service_type, axe_source):
    from civitas.cases.models import Case
    from civitas.people.services import person_create

    caller = person_create(actor=caseworker, given_name="Pat", family_name="Caller", emails=["pat@example.org"])
    page = new_page(agent)
    page.goto("/console/new/")
    assert_accessible(page, axe_source)

    tab_to(page, page.get_by_label("Caller's phone, email or name"))
    with page.expect_response(CALLERS):  # the look-up as you type (debounced)
        page.keyboard.type("pat@example.org")
    with page.expect_response(CALLERS):  # Enter runs the look-up at once; it never submits the form
        page.keyboard.press("Enter")
    found = page.get_by_role("radio", name=re.compile("Pat Caller"))
    expect(found).to_be_visible()
    tab_to(page, page.get_by_role("radio", name="Anonymous caller"))  # Tab enters the group on the checked one
    arrow_to_checked(page, found)

    tab_to(page, page.get_by_label("What is the problem?"))
    with page.expect_response(SERVICE_TYPES):
        page.keyboard.type("hole in road")
    with page.expect_response(SERVICE_TYPES):
        page.keyboard.press("Enter")
    pothole = page.get_by_role("radio", name=re.compile("Pothole"))
    expect(pothole).to_be_visible()
    tab_to(page, pothole)
    with page.expect_response(QUESTIONS):  # choosing a service type fetches its questions
        page.keyboard.press("Space")
    expect(pothole).to_be_checked()

    tab_to(page, page.get_by_label("Description"))
    page.keyboard.type("Deep pothole by the <b>school</b> gate")
    tab_to(page, page.get_by_label("Address", exact=True))
    page.keyboard.type("1 School Lane")
    assert_accessible(page, axe_source)
    tab_to(page, page.get_by_role("button", name="Create case"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(CASE_URL)
    reference = CASE_URL.search(page.url).group(1)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    description = page.locator(".civitas-case-description")
    expect(description.get_by_text("Deep pothole by the <b>school</b> gate")).to_be_visible()  # shown as text
    expect(description.locator("b")).to_have_count(0)
    case = Case.objects.get(reference=reference)
    assert (case.channel, case.requester_id, case.service_type_id) == ("phone", caller.pk, service_type.pk)
    assert case.address == "1 School Lane"
    assert_accessible(page, axe_source)


def test_public_reply_from_the_case_workspace(new_page, caseworker, make_case, axe_source):
    from civitas.cases.models import TimelineEntry

    case = make_case()
    page = new_page(caseworker)
    page.goto(f"/console/cases/{case.reference}/")
    assert_accessible(page, axe_source)
    choose(page, "Public reply: the resident will see this")
    page.get_by_label("Message").fill("We will fill the pothole on Tuesday.")
    choose(page, "I understand the resident will see this")
    page.get_by_role("button", name="Send public reply").click()

    timeline = page.locator("#case-activity")
    expect(timeline.get_by_text("We will fill the pothole on Tuesday.")).to_be_visible()
    entry = TimelineEntry.objects.get(case=case, body="We will fill the pothole on Tuesday.")
    assert entry.is_public
    assert_accessible(page, axe_source)


def test_a_public_reply_needs_the_confirmation(new_page, caseworker, make_case, axe_source):
    from civitas.cases.models import TimelineEntry

    case = make_case()
    page = new_page(caseworker)
    page.goto(f"/console/cases/{case.reference}/")
    choose(page, "Public reply: the resident will see this")
    page.get_by_label("Message").fill("Not confirmed")
    page.get_by_role("button", name="Send public reply").click()
    expect(page.get_by_text("Tick the box to confirm the resident will see this reply.").first).to_be_visible()
    assert not TimelineEntry.objects.filter(case=case, body="Not confirmed").exists()
    assert_accessible(page, axe_source)


def test_merge_two_cases_with_the_picker(new_page, supervisor, make_case, axe_source):
    from civitas.cases.models import Case

    target = make_case("Pothole at the corner of Elm and Main")
    source = make_case("Same pothole, reported again")
    page = new_page(supervisor)
    page.goto(f"/console/cases/{source.reference}/")
    page.get_by_label("Reference or words").fill(target.reference)
    page.get_by_label("Reference or words").press("Enter")
    results = page.locator("#picker-results")
    expect(results.get_by_role("link", name=target.reference)).to_be_visible()
    choose(results, "Merge this case into it")
    page.get_by_role("button", name=f"Continue with {target.reference}").click()
    expect(page.get_by_role("heading", name="Confirm the merge")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("button", name=f"Yes, merge into {target.reference}").click()

    source.refresh_from_db()
    expect(page.get_by_text(re.compile(r"merged into", re.IGNORECASE)).first).to_be_visible()
    assert Case.objects.get(pk=source.pk).merged_into_id == target.pk
    assert_accessible(page, axe_source)


def test_two_editors_the_second_gets_the_conflict(new_page, caseworker, supervisor, make_case, axe_source):
    case = make_case()
    first, second = new_page(caseworker), new_page(supervisor)
    for page in (first, second):
        page.goto(f"/console/cases/{case.reference}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)

    details = first.locator("#details")
    details.get_by_label("Address").fill("14 Main St")
    details.get_by_role("button", name="Save details").click()
    expect(first.locator("#details").get_by_label("Address")).to_have_value("14 Main St")

    other = second.locator("#details")
    other.get_by_label("Address").fill("99 Other Rd")
    other.get_by_role("button", name="Save details").click()
    conflict = second.get_by_role("alert").filter(has_text="Your change was not saved")
    expect(conflict).to_be_visible()
    case.refresh_from_db()
    assert case.address == "14 Main St"  # never a silent overwrite
    expect(second.locator("#details").get_by_label("Address")).to_have_value("14 Main St")  # the latest state
    assert_accessible(second, axe_source)
