"""Personal access tokens in a real browser: create one with the keyboard, see the secret once, revoke it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.axe import assert_accessible


def test_create_use_and_revoke_a_token(new_page, caseworker, department, axe_source):
    from civitas.integrations.keys import api_key_authenticate
    from civitas.integrations.models import ApiKey

    page = new_page(caseworker)
    page.goto("/console/account/")
    page.get_by_role("link", name="Manage your personal access tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal access tokens")
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="Create token").click()  # no name: the error summary
    expect(page.get_by_role("alert")).to_contain_text("This field is required")
    assert_accessible(page, axe_source)

    page.get_by_role("textbox", name="Name", exact=True).fill("Weekly report")
    page.locator("label", has_text="Read and write").click()  # USWDS hides the input: tick by its label
    page.locator("label", has_text=department.name).click()
    expect(page.get_by_role("radio", name="Read and write")).to_be_checked()
    page.get_by_role("textbox", name="Name", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new token")
    secret = page.get_by_label("Token", exact=True).input_value()
    assert re.fullmatch(r"cvt_[A-Za-z0-9_-]{43}", secret)
    assert_accessible(page, axe_source)
    key = ApiKey.objects.get()
    assert key.can_write and api_key_authenticate(secret) == key

    page.get_by_role("link", name=re.compile("back to my tokens")).click()
    expect(page.get_by_role("cell", name=f"{key.prefix}…")).to_be_visible()
    assert secret not in page.content()
    page.get_by_role("link", name="Revoke Weekly report").click()
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal access tokens")
    expect(page.get_by_text("Revoked", exact=False).first).to_be_visible()
    assert api_key_authenticate(secret) is None
