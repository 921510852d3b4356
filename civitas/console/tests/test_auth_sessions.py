"""Staff sessions: lockout, idle timeout, sign out everywhere, the account page, MFA reset."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.accounts.auth_services import LAST_SEEN_KEY, mfa_reset
from civitas.accounts.roles import Role
from civitas.audit.models import AuditEvent
from civitas.console.tests.conftest import make_staff
from civitas.core.errors import PermissionDenied

PASSWORD = "correct horse battery staple"
SIGN_IN = reverse("console:sign-in")
ACCOUNT = reverse("console:account")


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(SIGN_IN, {"email": email, "password": password, "next": ACCOUNT})


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.MFA_REQUIRED = False


# --- lockout -----------------------------------------------------------------------------------


def test_lockout_after_repeated_failures_says_when_to_retry(client, caseworker, lockout):
    for _ in range(2):
        assert sign_in(client, caseworker.email, "wrong password").status_code == 400
    third = sign_in(client, caseworker.email, "wrong password")
    assert third.status_code == 429
    # Locked now: even the right password is refused, with the same clear message.
    locked = sign_in(client, caseworker.email)
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed sign-in attempts" in html and "Try again after" in html and "15 minutes" in html
    assert "_auth_user_id" not in client.session
    assert actions().count("auth:session:locked_out") == 2
    event = AuditEvent.objects.filter(action="auth:session:locked_out").first()
    assert event.object_id == str(caseworker.pk) and caseworker.email not in event.payload


def test_lockout_is_per_account_and_address(client, caseworker, agent, lockout):
    for _ in range(3):
        sign_in(client, caseworker.email, "wrong password")
    assert sign_in(client, caseworker.email).status_code == 429
    # Another account from the same address, and the same account from another address, still work.
    assert sign_in(client, agent.email).status_code == 302
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert sign_in(other, caseworker.email).status_code == 302


def test_email_case_does_not_dodge_the_lockout(client, caseworker, lockout):
    for email in ("caseworker@example.org", "CASEWORKER@example.org", "CaseWorker@Example.org"):
        sign_in(client, email, "wrong password")
    assert sign_in(client, caseworker.email).status_code == 429


def test_success_resets_the_failure_count(client, caseworker, lockout):
    for _ in range(2):
        sign_in(client, caseworker.email, "wrong password")
    assert sign_in(client, caseworker.email).status_code == 302
    client.post(reverse("console:sign-out"))
    for _ in range(2):
        sign_in(client, caseworker.email, "wrong password")
    assert sign_in(client, caseworker.email).status_code == 302


# --- idle timeout ------------------------------------------------------------------------------


def go_idle(client: Client, minutes: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - minutes * 60
    session.save()


def test_idle_session_is_signed_out_with_a_message(client, caseworker, settings):
    settings.SESSION_IDLE_TIMEOUT = 30
    client.force_login(caseworker)
    go_idle(client, 31)
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN) and "next=%2Fconsole%2Faccount%2F" in response["Location"]
    page = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert "auth:session:sign_out" in actions()


def test_activity_within_the_limit_keeps_the_session(client, caseworker, settings):
    settings.SESSION_IDLE_TIMEOUT = 30
    client.force_login(caseworker)
    go_idle(client, 29)
    assert client.get(ACCOUNT).status_code == 200
    assert client.session[LAST_SEEN_KEY] >= int(time.time()) - 5  # the clock restarted


def test_idle_htmx_request_gets_hx_redirect(client, caseworker):
    client.force_login(caseworker)
    go_idle(client, 120)
    response = client.get(ACCOUNT, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/console/"})
    assert response["HX-Redirect"].startswith(SIGN_IN)


# --- sign out everywhere -----------------------------------------------------------------------


def test_sign_out_everywhere_ends_other_sessions(caseworker):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert sign_in(device, caseworker.email).status_code == 302
        assert device.get(ACCOUNT).status_code == 200
    response = laptop.post(reverse("console:sign-out-everywhere"))
    assert response["Location"] == SIGN_IN
    assert phone.get(ACCOUNT)["Location"].startswith(SIGN_IN)
    assert laptop.get(ACCOUNT)["Location"].startswith(SIGN_IN)
    assert "auth:session:sign_out_everywhere" in actions()
    # Signing in again works.
    assert sign_in(phone, caseworker.email).status_code == 302
    assert phone.get(ACCOUNT).status_code == 200


def test_sign_out_everywhere_needs_post(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("console:sign-out-everywhere")).status_code == 405


# --- account page ------------------------------------------------------------------------------


def test_account_page_shows_email_roles_and_mfa_state(client, caseworker, department, other_department):
    from civitas.accounts.models import Membership

    Membership.objects.create(user=caseworker, role=Role.AGENT, department=other_department)
    client.force_login(caseworker)
    html = client.get(ACCOUNT).content.decode()
    assert caseworker.email in html
    assert "Caseworker" in html and "Public Works" in html and "Parks" in html
    assert "Set up an authenticator app" in html and "Sign out everywhere" in html
    TOTPDevice.objects.create(user=caseworker, name="phone", confirmed=True)
    client.force_login(caseworker)
    client.session  # noqa: B018
    html = _verified_get(client, caseworker, ACCOUNT).content.decode()
    assert "Set up a new authenticator app" in html


def _verified_get(client: Client, user, url: str):
    from django_otp import DEVICE_ID_SESSION_KEY

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client.get(url)


def test_display_name_with_html_is_escaped(client, caseworker):
    caseworker.display_name = "<script>alert(1)</script>"
    caseworker.save()
    client.force_login(caseworker)
    html = client.get(ACCOUNT).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --- MFA reset ---------------------------------------------------------------------------------


def test_own_reset_removes_the_device_and_asks_for_a_new_one(client, caseworker):
    TOTPDevice.objects.create(user=caseworker, name="phone", confirmed=True)
    client.force_login(caseworker)
    _verified_get(client, caseworker, ACCOUNT)
    response = client.post(reverse("console:mfa-reset"))
    assert response["Location"] == reverse("console:mfa-setup")
    assert not TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()
    event = AuditEvent.objects.get(action="auth:mfa:reset")
    assert event.actor_id == caseworker.pk and '"by":"self"' in event.payload


def test_department_admin_may_reset_their_staff_only(caseworker, department, other_department):
    admin = make_staff("deptadmin@example.org", Role.DEPARTMENT_ADMIN, department)
    stranger = make_staff("parks-admin@example.org", Role.DEPARTMENT_ADMIN, other_department)
    TOTPDevice.objects.create(user=caseworker, name="phone", confirmed=True)
    with pytest.raises(PermissionDenied):
        mfa_reset(actor=stranger, user=caseworker)
    assert TOTPDevice.objects.filter(user=caseworker).exists()
    assert mfa_reset(actor=admin, user=caseworker) == 1
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    event = AuditEvent.objects.get(action="auth:mfa:reset")
    assert event.actor_id == admin.pk and event.object_id == str(caseworker.pk)


def test_admin_site_action_resets_mfa_audited(client, caseworker):
    from civitas.accounts.models import User

    root = User.objects.create_superuser("root@example.org", PASSWORD)
    TOTPDevice.objects.create(user=caseworker, name="phone", confirmed=True)
    client.force_login(root)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_mfa", "_selected_action": [caseworker.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Two-step sign-in reset for 1 user" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    assert AuditEvent.objects.filter(action="auth:mfa:reset", actor_id=root.pk).exists()


def test_totp_keys_are_not_in_the_admin(client, db):
    from civitas.accounts.models import User

    root = User.objects.create_superuser("root@example.org", PASSWORD)
    client.force_login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
