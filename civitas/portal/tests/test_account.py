"""Portal accounts: sign-in by emailed link, my requests, profile with consent, delete my details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from civitas.people.models import Consent, ContactPoint, Person, SignInLink
from civitas.people.residents import sign_in_link_issue_token, sign_in_link_request
from civitas.portal.views._base import RESIDENT_SESSION_KEY
from civitas.portal.views.account import safe_next

pytestmark = pytest.mark.django_db

EMAIL = "resident@example.org"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _token(email: str = EMAIL, next_path: str = "") -> str:
    link = sign_in_link_request(email=email, language="en", next_path=next_path)
    return sign_in_link_issue_token(link=link)


def _sign_in(client, email: str = EMAIL) -> Person:
    response = client.post(reverse("portal:sign-in-link", kwargs={"token": _token(email)}))
    assert response.status_code == 302
    return Person.objects.get(pk=client.session[RESIDENT_SESSION_KEY])


@pytest.fixture
def resident(client) -> Person:
    return _sign_in(client)


def _profile_data(**overrides):
    data = {
        "given_name": "",
        "family_name": "",
        "address": "",
        "phone": "",
        "preferred_channel": "email",
        "preferred_language": "en",
    }
    data.update(overrides)
    return data


# --- sign in ------------------------------------------------------------------------------------------


def test_sign_in_page(client):
    response = client.get(reverse("portal:sign-in"), {"next": "/account/profile/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sign in</h1>" in html
    assert 'value="/account/profile/"' in html
    assert 'autocomplete="email"' in html


def test_sign_in_sends_the_same_answer_for_known_and_unknown_addresses(client):
    Person.objects.create()
    known = client.post(reverse("portal:sign-in"), {"email": EMAIL})
    unknown = client.post(reverse("portal:sign-in"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("portal:sign-in-sent")
    assert SignInLink.objects.count() == 2
    page = client.get(reverse("portal:sign-in-sent"))
    assert "Check your email" in page.content.decode()
    assert EMAIL not in page.content.decode()


def test_sign_in_with_a_bad_email_keeps_it_and_names_the_field(client):
    response = client.post(reverse("portal:sign-in"), {"email": "jane at example", "next": "/account/profile/"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="jane at example"' in html
    assert 'href="#id_email"' in html  # the error summary links to the field
    assert 'aria-invalid="true"' in html
    assert "Enter an email address like name@example.com." in html
    assert not SignInLink.objects.exists()


def test_sign_in_is_rate_limited_per_address(client, settings):
    settings.PORTAL_SIGN_IN_RATE_CONTACT = "2/h"
    for _ in range(2):
        assert client.post(reverse("portal:sign-in"), {"email": EMAIL}).status_code == 302
    response = client.post(reverse("portal:sign-in"), {"email": EMAIL})
    assert response.status_code == 429
    assert f'value="{EMAIL}"' in response.content.decode()
    assert SignInLink.objects.count() == 2
    assert client.post(reverse("portal:sign-in"), {"email": "other@example.org"}).status_code == 302


def test_sign_in_is_rate_limited_per_client_address(client, settings):
    settings.PORTAL_SIGN_IN_RATE_IP = "2/h"
    for n in range(2):
        assert client.post(reverse("portal:sign-in"), {"email": f"r{n}@example.org"}).status_code == 302
    response = client.post(reverse("portal:sign-in"), {"email": "r9@example.org"})
    assert response.status_code == 429
    assert "Please wait an hour" in response.content.decode()


def test_the_link_signs_in_with_a_new_session_and_no_referrer(client):
    client.get(reverse("portal:sign-in"))
    before = client.session.session_key
    response = client.post(reverse("portal:sign-in-link", kwargs={"token": _token()}))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my-requests")
    assert response["Referrer-Policy"] == "strict-origin"
    assert client.session.session_key != before
    person = Person.objects.get(pk=client.session[RESIDENT_SESSION_KEY])
    assert ContactPoint.objects.get(person=person).value == EMAIL


def test_opening_the_link_only_asks_to_sign_in(client):
    """Mail scanners open links: a GET shows a button and leaves the one-time link usable."""
    token = _token()
    page = client.get(reverse("portal:sign-in-link", kwargs={"token": token}))
    assert page.status_code == 200
    assert RESIDENT_SESSION_KEY not in client.session
    assert 'method="post"' in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert client.post(reverse("portal:sign-in-link", kwargs={"token": token})).status_code == 302
    assert RESIDENT_SESSION_KEY in client.session


def test_the_link_goes_on_to_a_safe_portal_path(client):
    response = client.post(reverse("portal:sign-in-link", kwargs={"token": _token(next_path="/account/profile/")}))
    assert response["Location"] == "/account/profile/"


def test_the_link_never_goes_to_another_site(client):
    link = sign_in_link_request(email=EMAIL, language="en")
    SignInLink.objects.filter(pk=link.pk).update(next_path="//evil.example/")
    token = sign_in_link_issue_token(link=link)
    response = client.post(reverse("portal:sign-in-link", kwargs={"token": token}))
    assert response["Location"] == reverse("portal:my-requests")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/account/profile/", "/account/profile/"),
        ("/account/requests/", "/account/requests/"),
        ("//evil.example/", ""),
        ("https://evil.example/", ""),
        ("/\\evil.example", ""),
        ("/console/", ""),  # not a portal page
        ("/account/sign-in/", ""),
        ("/account/profile/delete/", ""),
        ("/no-such-page/", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_next(value, expected):
    assert safe_next(value) == expected


def test_a_used_link_offers_a_new_one(client):
    token = _token()
    client.post(reverse("portal:sign-in-link", kwargs={"token": token}))
    client.post(reverse("portal:sign-out"))
    response = client.get(reverse("portal:sign-in-link", kwargs={"token": token}))
    assert response.status_code == 410
    html = response.content.decode()
    assert "already been used" in html
    assert 'action="/account/sign-in/"' in html
    assert response["Referrer-Policy"] == "strict-origin"
    assert RESIDENT_SESSION_KEY not in client.session


def test_an_expired_link_offers_a_new_one(client):
    link = sign_in_link_request(email=EMAIL, language="en")
    token = sign_in_link_issue_token(link=link)
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("portal:sign-in-link", kwargs={"token": token}))
    assert response.status_code == 410
    assert "too old" in response.content.decode()


def test_an_unknown_link(client, caplog):
    response = client.get(reverse("portal:sign-in-link", kwargs={"token": "x" * 43}))
    assert response.status_code == 404
    assert "do not recognise" in response.content.decode()
    assert "x" * 43 not in caplog.text  # a token in the path never reaches the log


def test_sign_out_needs_post_and_flushes_the_session(client, resident):
    assert client.get(reverse("portal:sign-out")).status_code == 405
    response = client.post(reverse("portal:sign-out"))
    assert response.status_code == 302
    assert RESIDENT_SESSION_KEY not in client.session
    assert client.get(reverse("portal:my-requests")).status_code == 302


# --- pages that need a resident -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal:my-requests", "portal:profile", "portal:profile-delete"])
def test_account_pages_send_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:sign-in')}?next={reverse(name).replace('/', '%2F')}"


def test_a_session_whose_person_is_gone_is_signed_out(client, resident):
    from civitas.people.services import person_merge

    # (merged into another record: the survivor is used)
    other = Person.objects.create()
    from civitas.accounts.models import Membership, User

    staff = User.objects.create_user(email="sup@city.example", password="x" * 12)
    Membership.objects.create(user=staff, role="privacy_officer")
    person_merge(actor=staff, source=resident, target=other)
    assert client.get(reverse("portal:my-requests")).status_code == 200
    session = client.session
    session[RESIDENT_SESSION_KEY] = 999_999
    session.save()
    assert client.get(reverse("portal:my-requests")).status_code == 302
    assert RESIDENT_SESSION_KEY not in client.session


# --- my requests ------------------------------------------------------------------------------------------


@pytest.fixture
def service_type(department):
    from civitas.catalog.models import ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="streets", name="Streets")
    return ServiceType.objects.create(code="pothole", name="Pothole", group=group, department=department)


def test_my_requests_lists_mine_with_tracking_links_and_followed_with_public_pages(client, resident, service_type):
    from civitas.cases.services import case_create

    other = Person.objects.create()
    mine = case_create(actor=None, service_type="pothole", channel="web", description="Hole", requester=resident)
    followed = case_create(
        actor=None, service_type="pothole", channel="web", description="Other", requester=other, followers=[resident]
    )
    unrelated = case_create(actor=None, service_type="pothole", channel="web", description="x", requester=other)
    response = client.get(reverse("portal:my-requests"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.reference in html and followed.reference in html
    assert unrelated.reference not in html
    assert html.index(followed.reference) < html.index(mine.reference)  # newest first
    assert mine.tracking_token in html  # the requester's own tracking link
    assert followed.tracking_token not in html  # never someone else's
    assert "Received" in html
    assert "Hole" not in html  # descriptions are not shown in the list


def test_my_requests_queries_do_not_grow_with_the_list(client, resident, service_type, django_assert_max_num_queries):
    from civitas.cases.services import case_create

    for n in range(5):
        case_create(actor=None, service_type="pothole", channel="web", description=f"{n}", requester=resident)
        case_create(actor=None, service_type="pothole", channel="web", description=f"f{n}", followers=[resident])
    with django_assert_max_num_queries(6):  # session, person, mine, followed (+ savepoints)
        response = client.get(reverse("portal:my-requests"))
    assert response.content.decode().count("You follow this request") == 5


def test_my_requests_when_there_are_none(client, resident):
    response = client.get(reverse("portal:my-requests"))
    assert "You have no requests yet" in response.content.decode()


# --- profile ------------------------------------------------------------------------------------------


def test_profile_page(client, resident):
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 200
    html = response.content.decode()
    assert EMAIL in html
    assert "Keep my details to fill in forms" in html
    assert "You have not made any choices yet." in html


def test_profile_keeps_details_with_consent_and_shows_the_history(client, resident):
    data = _profile_data(store_details="on", given_name="Ana", family_name="Ruiz", address="1 Elm St")
    response = client.post(reverse("portal:profile"), data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.given_name, resident.address) == ("Ana", "1 Elm St")
    page = client.get(reverse("portal:profile")).content.decode()
    assert 'value="Ana"' in page
    assert "Your profile is saved." in page
    assert "Keep my details to fill in future forms" in page  # the history row


def test_profile_without_consent_keeps_typed_values_and_points_to_the_checkbox(client, resident):
    response = client.post(reverse("portal:profile"), _profile_data(given_name="Ana", address="1 Elm St"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Ana"' in html and 'value="1 Elm St"' in html
    assert 'href="#id_store_details"' in html
    resident.refresh_from_db()
    assert resident.given_name == ""


def test_profile_withdrawing_consent_clears_details(client, resident):
    client.post(reverse("portal:profile"), _profile_data(store_details="on", given_name="Ana"))
    client.post(reverse("portal:profile"), _profile_data(given_name="Ana"))
    resident.refresh_from_db()
    assert resident.given_name == ""
    assert list(Consent.objects.filter(person=resident).values_list("given", flat=True).order_by("id")) == [
        True,
        False,
    ]


def test_profile_bad_phone_and_bad_choice_are_named(client, resident):
    response = client.post(reverse("portal:profile"), _profile_data(phone="12", preferred_channel="pigeon"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_preferred_channel_0"' in html
    assert 'value="12"' in html
    response = client.post(reverse("portal:profile"), _profile_data(phone="12"))
    assert response.status_code == 400
    assert 'href="#id_phone"' in response.content.decode()


def test_profile_text_messages(client, resident):
    data = _profile_data(phone="617 555 0123", sms_messages="on", preferred_channel="sms")
    assert client.post(reverse("portal:profile"), data).status_code == 302
    assert ContactPoint.objects.filter(person=resident, kind="phone", value="+16175550123").exists()


# --- delete ------------------------------------------------------------------------------------------


def test_delete_explains_then_deletes_and_signs_out(client, resident):
    client.post(reverse("portal:profile"), _profile_data(store_details="on", given_name="Ana"))
    page = client.get(reverse("portal:profile-delete"))
    assert page.status_code == 200
    assert "Requests you made stay" in page.content.decode()
    response = client.post(reverse("portal:profile-delete"))
    assert response.status_code == 302
    assert RESIDENT_SESSION_KEY not in client.session
    resident.refresh_from_db()
    assert resident.given_name == ""
    assert not ContactPoint.objects.filter(person=resident).exists()
    home = client.get(response["Location"])
    assert "Your details are deleted" in home.content.decode()


def test_posts_need_csrf(resident):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("portal:sign-in"), {"email": EMAIL}).status_code == 403


# --- the whole way: form → queued email → link → signed in ---------------------------------------------


def run_queued_tasks() -> None:
    """Run the event handlers, then the deliveries they queued, as the worker would (each once)."""
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    for path in ("civitas.core.tasks.run_event_handler", "civitas.notifications.tasks.deliver_notification"):
        task = import_string(path)
        for row in DBTaskResult.objects.filter(task_path=path).order_by("enqueued_at"):
            row.delete()
            task.call(**row.args_kwargs["kwargs"])


def test_sign_in_by_the_emailed_link(client, settings, mailoutbox):
    import re

    settings.SITE_URL = "https://city.example"
    response = client.post(reverse("portal:sign-in"), {"email": "Resident@Example.org", "next": "/account/profile/"})
    assert response.status_code == 302
    run_queued_tasks()
    (message,) = mailoutbox
    assert message.to == [EMAIL]
    match = re.search(r"https://city\.example(/account/sign-in/[^/\s]+/)", message.body)
    assert match, message.body
    assert client.get(match.group(1)).status_code == 200  # the "Sign in" button
    response = client.post(match.group(1))
    assert response["Location"] == "/account/profile/"
    assert client.get(reverse("portal:profile")).status_code == 200
    assert client.get(match.group(1)).status_code == 410  # once only
