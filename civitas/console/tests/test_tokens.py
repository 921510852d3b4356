"""Personal access tokens in the console: list, create (secret shown once, no-store), revoke."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civitas.accounts.roles import Role
from civitas.audit.models import AuditEvent
from civitas.console.tests.conftest import make_staff
from civitas.integrations.keys import api_key_authenticate, api_key_issue, hash_secret
from civitas.integrations.models import ApiKey

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'value="(cvt_[A-Za-z0-9_-]{43})"')


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


def create(client, **data):
    values = {"name": "Report script", "access": "read"}
    values.update(data)
    return client.post(reverse("console:token-create"), values)


def test_the_account_page_links_to_the_tokens(signed_in):
    page = signed_in.get(reverse("console:account")).content.decode()
    assert reverse("console:tokens") in page


def test_the_page_lists_my_tokens_only(signed_in, caseworker, supervisor):
    mine = api_key_issue(actor=caseworker, kind="personal", name="Mine").key
    api_key_issue(actor=supervisor, kind="personal", name="Someone else's")
    response = signed_in.get(reverse("console:tokens"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mine" in page and f"{mine.prefix}…" in page and "Someone else" not in page
    assert "key_hash" not in page and mine.key_hash not in page


def test_creating_a_token_shows_the_secret_once(signed_in, caseworker, department):
    response = create(signed_in, access="write", departments=[department.pk])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = SECRET.search(response.content.decode()).group(1)
    key = ApiKey.objects.get()
    assert (key.owner, key.kind, key.can_write, key.name) == (caseworker, "personal", True, "Report script")
    assert list(key.departments.all()) == [department]
    assert key.key_hash == hash_secret(secret) and secret not in str(vars(key))
    assert api_key_authenticate(secret) == key
    assert AuditEvent.objects.filter(action="service:api_key:issue", object_id=str(key.pk)).exists()
    listing = signed_in.get(reverse("console:tokens")).content.decode()
    assert secret not in listing and f"{key.prefix}…" in listing


def test_a_token_may_expire_at_the_end_of_a_day(signed_in):
    tomorrow = timezone.localdate() + timedelta(days=1)
    create(signed_in, expires_on=tomorrow.isoformat())
    expires = timezone.localtime(ApiKey.objects.get().expires_at)
    assert expires.date() == tomorrow + timedelta(days=1) and (expires.hour, expires.minute) == (0, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"access": "admin"}, "Select a valid choice"),
        ({"expires_on": "2001-01-01"}, "today or a later date"),
        ({"expires_on": "not a date"}, "Enter a valid date"),
    ],
)
def test_bad_input_is_shown_in_an_error_summary(signed_in, data, message):
    response = create(signed_in, **data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="usa-alert usa-alert--error' in page and message in page
    assert not ApiKey.objects.exists()


def test_departments_are_limited_to_those_where_i_hold_a_role(signed_in, department, other_department):
    page = signed_in.get(reverse("console:tokens")).content.decode()
    assert department.name in page and other_department.name not in page
    response = create(signed_in, departments=[other_department.pk])
    assert response.status_code == 400 and not ApiKey.objects.exists()


def test_revoking_asks_first_then_revokes(signed_in, caseworker):
    key = api_key_issue(actor=caseworker, kind="personal", name="Old script")
    url = reverse("console:token-revoke", args=[key.key.pk])
    confirm = signed_in.get(url)
    assert confirm.status_code == 200 and "Revoke token" in confirm.content.decode()
    assert ApiKey.objects.get(pk=key.key.pk).revoked_at is None
    response = signed_in.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("console:tokens")
    assert ApiKey.objects.get(pk=key.key.pk).revoked_at is not None
    assert api_key_authenticate(key.secret) is None
    assert AuditEvent.objects.filter(action="service:api_key:revoke", object_id=str(key.key.pk)).exists()
    assert "Revoked" in signed_in.get(reverse("console:tokens")).content.decode()


def test_someone_elses_token_is_not_found(signed_in, supervisor):
    theirs = api_key_issue(actor=supervisor, kind="personal", name="Theirs")
    url = reverse("console:token-revoke", args=[theirs.key.pk])
    assert signed_in.get(url).status_code == 404
    assert signed_in.post(url).status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_application_keys_are_not_revoked_here(client, department):
    admin = make_staff("admin@example.org", Role.DEPARTMENT_ADMIN, department)
    key = api_key_issue(actor=admin, kind="application", name="App")
    client.force_login(admin)
    assert client.post(reverse("console:token-revoke", args=[key.key.pk])).status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_posting_needs_csrf(caseworker):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    assert create(client).status_code == 403
    assert not ApiKey.objects.exists()


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(reverse("console:tokens"))
    assert response.status_code == 302 and reverse("console:sign-in") in response["Location"]
