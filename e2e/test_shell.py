"""The console shell in a real browser: sign-in, the queue, the 403 and 404 pages; CSS and JS load."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from civitas.accounts.roles import Role
from e2e.axe import assert_accessible
from e2e.conftest import PASSWORD

USWDS_PRIMARY = "rgb(0, 94, 162)"  # the USWDS primary colour of .usa-button: proves uswds.min.css loaded


def test_sign_in_with_the_keyboard_lands_on_my_queue(new_page, caseworker, make_case, axe_source):
    case = make_case()
    page = new_page()
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/sign-in/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    assert_accessible(page, axe_source)
    page.get_by_label("Email").focus()
    page.keyboard.type(caseworker.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/queues/mine/$"))
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()


def test_a_wrong_password_is_refused_with_a_message(new_page, caseworker, axe_source):
    page = new_page()
    page.goto("/console/sign-in/")
    page.get_by_label("Email").fill(caseworker.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/console/sign-in/"))
    assert_accessible(page, axe_source)


def test_queue_page_loads_its_styles_and_is_accessible(new_page, caseworker, make_case, axe_source):
    make_case()
    page = new_page(caseworker)
    page.goto("/console/queues/mine/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    search_button = page.get_by_role("button", name="Search")
    expect(search_button).to_have_css("background-color", USWDS_PRIMARY)
    assert_accessible(page, axe_source)


def test_queue_page_fits_a_phone(new_page, caseworker, make_case, axe_source):
    make_case()
    page = new_page(caseworker, phone=True)
    page.goto("/console/queues/mine/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 375px wide"
    assert_accessible(page, axe_source)


def test_a_case_of_another_department_is_not_found(new_page, staff, other_department, make_case, axe_source):
    case = make_case()
    outsider = staff(Role.CASEWORKER, other_department, email="outsider@example.org")
    page = new_page(outsider)
    response = page.goto(f"/console/cases/{case.reference}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text(case.description)).to_have_count(0)
    assert_accessible(page, axe_source)


def test_a_page_the_role_may_not_use_is_forbidden(new_page, staff, department, axe_source):
    privacy_officer = staff(Role.PRIVACY_OFFICER, department)
    page = new_page(privacy_officer)
    response = page.goto("/console/workload/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, axe_source)
