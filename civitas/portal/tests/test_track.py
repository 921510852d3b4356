"""Portal: track a request by link or by reference + contact; follow and unfollow updates."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from civitas.audit.models import AuditEvent
from civitas.cases.models import CaseFollower
from civitas.cases.services import case_add_note, case_merge, case_transition
from civitas.cases.services.create import case_create
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.services import person_find_or_create_by_contact
from civitas.portal.views._base import RESIDENT_SESSION_KEY

pytestmark = pytest.mark.django_db
EMAIL = "ana@example.org"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service_type(department):
    from civitas.catalog.models import ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="streets", name="Streets")
    return ServiceType.objects.create(
        code="pothole", name="Pothole", group=group, department=department, resolution_target_hours=72
    )


@pytest.fixture
def supervisor(make_staff, department):
    return make_staff("supervisor", department)


@pytest.fixture
def requester(db):
    person, _ = person_find_or_create_by_contact(actor=None, email=EMAIL, phone="617-555-0123")
    return person


@pytest.fixture
def case(service_type, requester):
    return case_create(
        actor=None,
        service_type=service_type,
        channel="web",
        description="Deep hole, my name is Ana Reyes",
        address="12 Main St",
        lat=42.351234,
        long=-71.061234,
        requester=requester,
    )


def track_url(case) -> str:
    return reverse("portal:track-case", kwargs={"token": case.tracking_token})


def assert_secret_headers(response) -> None:
    assert response["Referrer-Policy"] == "strict-origin"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


# --- the tracking page ---------------------------------------------------------------------------


def test_tracking_page_shows_status_in_plain_words_and_the_public_history(client, case, supervisor):
    case_add_note(actor=supervisor, case=case, body="Crew booked for Tuesday.", public=True)
    case_add_note(actor=supervisor, case=case, body="SECRET internal remark", public=False)
    case_transition(actor=supervisor, case=case, to_status="in_progress")

    response = client.get(track_url(case))

    assert response.status_code == 200
    assert_secret_headers(response)
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert case.reference in html
    assert "Someone is working on it" in html
    assert "Pothole" in html
    assert "12 Main St" in html
    assert "Crew booked for Tuesday." in html
    assert "We received your request" in html
    assert "SECRET internal remark" not in html
    assert "Ana Reyes" not in html  # the description is not shown back
    assert supervisor.email not in html
    assert "Public Works" in html  # the department, never a member of staff
    assert "We expect to finish by" in html


def test_a_bad_request_on_a_tracking_page_does_not_log_the_token(client, case, caplog):
    with caplog.at_level("DEBUG"):
        client.post(reverse("portal:track-follow", kwargs={"token": case.tracking_token}), {"follow-contact": "x"})
        client.get(f"/track/{case.tracking_token[:-1]}/")
    assert case.tracking_token[:-1] not in caplog.text


def test_no_expected_date_says_so(client, case):
    case.resolution_due_at = None
    case.save(update_fields=["resolution_due_at"])
    assert "No date yet" in client.get(track_url(case)).content.decode()


def test_point_without_address_is_rounded(client, service_type):
    case = case_create(actor=None, service_type=service_type, channel="web", lat=42.351234, long=-71.061234)
    html = client.get(track_url(case)).content.decode()
    assert "42.3512" in html
    assert "42.351234" not in html


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00", "..%2e", "a b", "<script>"])
def test_unknown_or_garbled_token_is_a_plain_404(client, token):
    response = client.get(f"/track/{token}/")
    assert response.status_code == 404
    assert "We cannot find that request" in response.content.decode()
    assert_secret_headers(response)


def test_merged_case_says_so_and_links_to_the_target(client, case, service_type, supervisor):
    target = case_create(actor=None, service_type=service_type, channel="web", address="14 Main St")
    case_merge(actor=supervisor, source=case, target=target)

    html = client.get(track_url(case)).content.decode()

    assert "Joined with another request" in html
    assert target.reference in html
    assert reverse("portal:request", kwargs={"reference": target.reference}) in html
    assert target.tracking_token not in html
    assert 'name="follow-contact"' not in html


# --- by reference + contact ----------------------------------------------------------------------


@pytest.mark.parametrize("contact", [EMAIL, " ANA@Example.org ", "(617) 555-0123", "+16175550123"])
def test_reference_and_contact_of_the_requester_redirects_to_the_tracking_page(client, case, contact):
    response = client.post(reverse("portal:track"), {"reference": case.reference.lower(), "contact": contact})
    assert response.status_code == 302
    assert response["Location"] == track_url(case)
    assert_secret_headers(response)


def test_a_follower_contact_also_finds_it(client, case):
    follower, _ = person_find_or_create_by_contact(actor=None, email="ben@example.org")
    CaseFollower.objects.create(case=case, person=follower)
    response = client.post(reverse("portal:track"), {"reference": case.reference, "contact": "ben@example.org"})
    assert response.status_code == 302


def test_wrong_contact_and_unknown_reference_get_the_same_message(client, case):
    wrong_contact = client.post(reverse("portal:track"), {"reference": case.reference, "contact": "x@example.org"})
    unknown_ref = client.post(reverse("portal:track"), {"reference": "SR-1999-000001", "contact": EMAIL})

    def message(response):
        html = response.content.decode()
        return re.findall(r'<span class="usa-error-message" id="reference-error">(.*?)</span>', html)

    assert wrong_contact.status_code == unknown_ref.status_code == 200
    assert message(wrong_contact) == message(unknown_ref)
    assert "We could not find a request" in message(wrong_contact)[0]
    assert case.tracking_token not in wrong_contact.content.decode()
    # Typed values are kept.
    assert f'value="{case.reference}"' in wrong_contact.content.decode()
    assert 'value="x@example.org"' in wrong_contact.content.decode()


def test_missing_fields_are_named_in_the_summary(client):
    response = client.post(reverse("portal:track"), {"reference": "", "contact": "not a contact"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#reference"' in html
    assert 'href="#contact"' in html
    assert "Enter the reference of your request" in html
    assert "Enter an email address, like name@example.com, or a phone number" in html
    assert 'value="not a contact"' in html


@override_settings(PORTAL_TRACK_RATE_IP="2/h")
def test_tracking_by_reference_is_rate_limited_per_address(client, case):
    for _ in range(2):
        client.post(reverse("portal:track"), {"reference": "SR-1999-000001", "contact": EMAIL})
    response = client.post(reverse("portal:track"), {"reference": case.reference, "contact": EMAIL})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many tries" in html
    assert f'value="{case.reference}"' in html


def test_the_form_page_renders(client):
    response = client.get(reverse("portal:track"))
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


# --- follow / unfollow ---------------------------------------------------------------------------


def test_follow_by_email_creates_the_person_follows_and_records_consent(client, case):
    response = client.post(
        reverse("portal:track-follow", kwargs={"token": case.tracking_token}), {"follow-contact": "Ben@Example.org"}
    )
    assert response.status_code == 302
    assert response["Location"] == track_url(case)
    person = ContactPoint.objects.get(value="ben@example.org").person
    assert CaseFollower.objects.filter(case=case, person=person).exists()
    consent = Consent.objects.get(person=person)
    assert (consent.purpose, consent.given, consent.method) == ("contact_about_case", True, "web_form")
    assert AuditEvent.objects.filter(action="service:case:follow", object_id=str(case.pk)).exists()
    page = client.get(track_url(case)).content.decode()
    assert "We will tell you when there is news about this request." in page


def test_follow_twice_is_harmless(client, case):
    url = reverse("portal:track-follow", kwargs={"token": case.tracking_token})
    client.post(url, {"follow-contact": "ben@example.org"})
    client.post(url, {"follow-contact": "ben@example.org"})
    assert CaseFollower.objects.filter(case=case).count() == 1
    assert Consent.objects.filter(person__contact_points__value="ben@example.org").count() == 1


def test_the_requester_following_is_not_made_a_follower(client, case):
    client.post(reverse("portal:track-follow", kwargs={"token": case.tracking_token}), {"follow-contact": EMAIL})
    assert not CaseFollower.objects.filter(case=case).exists()


def test_follow_with_a_bad_contact_shows_the_error_with_the_value(client, case):
    response = client.post(
        reverse("portal:track-follow", kwargs={"token": case.tracking_token}), {"follow-contact": "nonsense"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#follow-contact"' in html
    assert 'value="nonsense"' in html
    assert_secret_headers(response)


def test_unfollow_by_contact_gives_one_answer_either_way(client, case):
    follower, _ = person_find_or_create_by_contact(actor=None, email="ben@example.org")
    CaseFollower.objects.create(case=case, person=follower)
    url = reverse("portal:track-unfollow", kwargs={"token": case.tracking_token})

    first = client.post(url, {"unfollow-contact": "ben@example.org"}, follow=True).content.decode()
    second = client.post(url, {"unfollow-contact": "nobody@example.org"}, follow=True).content.decode()

    assert not CaseFollower.objects.filter(case=case).exists()
    assert AuditEvent.objects.filter(action="service:case:unfollow").count() == 1
    message = "If that email or phone was getting updates about this request"
    assert message in first and message in second


def test_signed_in_follower_sees_a_stop_button_and_can_stop(client, case):
    follower, _ = person_find_or_create_by_contact(actor=None, email="ben@example.org")
    CaseFollower.objects.create(case=case, person=follower)
    session = client.session
    session[RESIDENT_SESSION_KEY] = follower.pk
    session.save()

    html = client.get(track_url(case)).content.decode()
    assert "You get updates about this request." in html

    client.post(reverse("portal:track-unfollow", kwargs={"token": case.tracking_token}), {"who": "me"})
    assert not CaseFollower.objects.filter(case=case).exists()


def test_signed_in_resident_may_follow_as_themselves(client, case):
    person = Person.objects.create(given_name="Ben")
    session = client.session
    session[RESIDENT_SESSION_KEY] = person.pk
    session.save()
    response = client.post(reverse("portal:track-follow", kwargs={"token": case.tracking_token}), {"who": "me"})
    assert response.status_code == 302
    assert CaseFollower.objects.filter(case=case, person=person).exists()


def test_follow_routes_refuse_get_and_unknown_tokens(client, case):
    assert client.get(reverse("portal:track-follow", kwargs={"token": case.tracking_token})).status_code == 405
    response = client.post(reverse("portal:track-follow", kwargs={"token": "nope"}), {"follow-contact": EMAIL})
    assert response.status_code == 404


def test_follow_needs_csrf(case):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("portal:track-follow", kwargs={"token": case.tracking_token}), {"follow-contact": EMAIL}
    )
    assert response.status_code == 403
