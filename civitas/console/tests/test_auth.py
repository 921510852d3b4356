"""Staff sign-in: password, generic failures, TOTP enrolment and verification, MFA enforcement."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.audit.models import AuditEvent

PASSWORD = "correct horse battery staple"

SIGN_IN = reverse("console:sign-in")
VERIFY = reverse("console:mfa-verify")
SETUP = reverse("console:mfa-setup")
HOME = reverse("console:home")
ACCOUNT = reverse("console:account")


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def unthrottle(device: TOTPDevice) -> None:
    """django-otp delays the next try after a wrong code; tests do not wait."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def sign_in(client: Client, email: str, password: str = PASSWORD, next_url: str = ""):
    data = {"email": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(SIGN_IN, data)


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.fixture
def mfa_optional(settings):
    settings.MFA_REQUIRED = False


# --- password ----------------------------------------------------------------------------------


def test_sign_in_page_renders_form(client, db):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert 'for="id_email"' in html and 'autocomplete="current-password"' in html


def test_sign_in_success_signs_in_and_audits(client, caseworker, mfa_optional):
    caseworker.mfa_prompt_dismissed = True
    caseworker.save()
    response = sign_in(client, "CaseWorker@example.org", next_url=ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    assert client.get(ACCOUNT).status_code == 200
    (event,) = events("auth:session:sign_in")
    assert event.actor_id == caseworker.pk
    assert PASSWORD not in event.payload


def test_wrong_password_and_unknown_email_get_the_same_message(client, caseworker):
    wrong = sign_in(client, "caseworker@example.org", "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    message = "The email address or password is not right"
    assert message in wrong.content.decode() and message in unknown.content.decode()
    assert "_auth_user_id" not in client.session
    failures = events("auth:session:sign_in_failed")
    assert len(failures) == 2
    assert failures[0].object_id == str(caseworker.pk) and failures[1].object_id == ""
    for event in failures:
        assert "example.org" not in event.payload and "not the password" not in event.payload


def test_bad_input_names_the_field_not_a_500(client, db):
    response = client.post(SIGN_IN, {"email": "not-an-email", "password": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address" in html and "usa-input--error" in html


def test_open_redirect_is_refused(client, caseworker, mfa_optional):
    caseworker.mfa_prompt_dismissed = True
    caseworker.save()
    response = sign_in(client, caseworker.email, next_url="https://evil.example/")
    assert response["Location"] == HOME


def test_sign_out_ends_the_session_and_audits(client, caseworker):
    client.force_login(caseworker)
    response = client.post(reverse("console:sign-out"))
    assert response["Location"] == SIGN_IN
    assert client.get(ACCOUNT)["Location"].startswith(SIGN_IN)
    (event,) = events("auth:session:sign_out")
    assert json.loads(event.payload)["context"]["reason"] == "user"


# --- MFA enrolment -----------------------------------------------------------------------------


def test_required_mfa_sends_a_user_without_device_to_enrolment(client, caseworker, mfa_required):
    response = sign_in(client, caseworker.email, next_url=ACCOUNT)
    assert response["Location"].startswith(SETUP)
    # No other console page works before enrolment.
    assert client.get(HOME)["Location"].startswith(SETUP)
    assert client.get(ACCOUNT)["Location"].startswith(SETUP)
    page = client.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Not now" not in html
    assert TOTPDevice.objects.filter(user=caseworker, confirmed=False).count() == 1
    secret = page.context["secret"].replace(" ", "")
    assert secret and secret in html.replace(" ", "")
    assert "http" not in page.context["qr_svg"].split("xmlns")[0]  # inline SVG, nothing fetched


def test_enrolment_with_wrong_then_right_code(client, caseworker, mfa_required):
    sign_in(client, caseworker.email)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    wrong = client.post(SETUP, {"code": wrong_code(device)})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()
    unthrottle(device)
    right = client.post(SETUP, {"code": code_for(device), "next": ACCOUNT})
    assert right["Location"] == ACCOUNT
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(ACCOUNT).status_code == 200  # the session is verified
    (event,) = events("auth:mfa:enrol")
    assert code_for(device) not in event.payload and device.key not in event.payload


def test_reloading_setup_keeps_the_same_secret(client, caseworker, mfa_required):
    sign_in(client, caseworker.email)
    first = client.get(SETUP).context["secret"]
    second = client.get(SETUP).context["secret"]
    assert first == second
    assert TOTPDevice.objects.filter(user=caseworker).count() == 1


def test_code_with_letters_is_a_form_error(client, caseworker, mfa_required):
    sign_in(client, caseworker.email)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "12ab56"})
    assert response.status_code == 400
    assert "6-digit code" in response.content.decode()


# --- MFA at sign-in ----------------------------------------------------------------------------


def test_user_with_device_must_enter_a_code(client, caseworker, mfa_optional):
    device = confirmed_device(caseworker)
    response = sign_in(client, caseworker.email, next_url=ACCOUNT)
    assert response["Location"].startswith(VERIFY)
    assert client.get(HOME)["Location"].startswith(VERIFY)
    wrong = client.post(VERIFY, {"code": wrong_code(device), "next": ACCOUNT})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert len(events("auth:mfa:verify_failed")) == 1
    unthrottle(device)
    right = client.post(VERIFY, {"code": code_for(device), "next": ACCOUNT})
    assert right["Location"] == ACCOUNT
    assert client.get(ACCOUNT).status_code == 200


def test_repeated_wrong_codes_are_slowed_down(client, caseworker):
    device = confirmed_device(caseworker)
    sign_in(client, caseworker.email)
    client.post(VERIFY, {"code": wrong_code(device)})
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()


def test_enforcement_off_lets_unenrolled_staff_in_and_offers_enrolment_once(client, caseworker, mfa_optional):
    response = sign_in(client, caseworker.email, next_url=ACCOUNT)
    assert response["Location"] == ACCOUNT  # not forced
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Protect your account with two-step sign-in" in html  # offered on first sign-in
    assert "Set up an authenticator app" in html
    caseworker.refresh_from_db()
    assert caseworker.mfa_prompt_dismissed
    client.post(reverse("console:sign-out"))
    sign_in(client, caseworker.email, next_url=ACCOUNT)
    assert "Protect your account with two-step sign-in" not in client.get(ACCOUNT).content.decode()


def test_not_now_on_the_setup_page_goes_back(client, caseworker, mfa_optional):
    client.force_login(caseworker)
    page = client.get(SETUP + "?next=" + ACCOUNT)
    assert "Not now" in page.content.decode()
    later = client.post(reverse("console:mfa-later"), {"next": ACCOUNT})
    assert later["Location"] == ACCOUNT


def test_not_now_is_refused_when_mfa_is_required(client, caseworker, mfa_required):
    sign_in(client, caseworker.email)
    response = client.post(reverse("console:mfa-later"))
    assert response["Location"].startswith(SETUP)
    caseworker.refresh_from_db()
    assert not caseworker.mfa_prompt_dismissed


def test_htmx_request_gets_hx_redirect_to_verify(client, caseworker):
    confirmed_device(caseworker)
    sign_in(client, caseworker.email)
    response = client.get(HOME, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver" + ACCOUNT})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(VERIFY)
    assert "next=%2Fconsole%2Faccount%2F" in response["HX-Redirect"]


def test_setup_is_not_a_way_around_the_code(client, caseworker, mfa_required):
    confirmed_device(caseworker)
    sign_in(client, caseworker.email)
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=caseworker).count() == 1


# --- admin site --------------------------------------------------------------------------------


@pytest.fixture
def sysadmin(db):
    from civitas.accounts.models import User

    return User.objects.create_superuser("root@example.org", PASSWORD)


def test_admin_requires_a_verified_session(client, sysadmin, mfa_required):
    device = confirmed_device(sysadmin)
    client.force_login(sysadmin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_admin_requires_enrolment_when_mfa_is_required(client, sysadmin, mfa_required):
    client.force_login(sysadmin)
    assert client.get("/admin/accounts/user/")["Location"].startswith(SETUP)


def test_admin_login_goes_to_console_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next=/admin/"
