"""Resident self-service: sign-in links, profile with consent, prefill, delete my details."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.core.errors import ValidationError
from civitas.people.models import Consent, ContactPoint, Person, SignInLink
from civitas.people.residents import (
    SIGN_IN_LINK_REQUESTED,
    SignInLinkInvalid,
    resident_details_delete,
    resident_person,
    resident_prefill,
    resident_profile,
    resident_profile_save,
    sign_in_link_issue_token,
    sign_in_link_redeem,
    sign_in_link_request,
)
from civitas.people.tests.conftest import audit_text

pytestmark = pytest.mark.django_db

EMAIL = "Jane.Doe@Example.org"


def _signed_in(email: str = EMAIL) -> Person:
    link = sign_in_link_request(email=email, language="en")
    return sign_in_link_redeem(token=sign_in_link_issue_token(link=link))


# --- sign-in links ------------------------------------------------------------------------------


def test_request_stores_a_normalised_link_with_no_usable_token(settings):
    settings.PORTAL_SIGN_IN_LINK_MINUTES = 20
    link = sign_in_link_request(email=f"  {EMAIL} ", language="es", next_path="/account/profile/")
    assert link is not None
    assert link.email == "jane.doe@example.org"
    assert link.language == "es" and link.next_path == "/account/profile/"
    assert link.person is None
    assert timedelta(minutes=19) < link.expires_at - link.created_at <= timedelta(minutes=20)
    assert len(link.token_hash) == 64
    assert EMAIL.lower() not in audit_text()


def test_request_announces_the_link_for_the_notifications_app(monkeypatch):
    published = []
    monkeypatch.setattr("civitas.people.residents.publish", lambda event, **ids: published.append((event, ids)))
    link = sign_in_link_request(email=EMAIL, language="en")
    assert published == [(SIGN_IN_LINK_REQUESTED, {"sign_in_link_id": link.pk})]


def test_request_refuses_a_bad_address():
    with pytest.raises(ValidationError) as exc:
        sign_in_link_request(email="not an email", language="en")
    assert exc.value.field == "email"
    assert not SignInLink.objects.exists()


def test_unknown_language_falls_back_to_english():
    assert sign_in_link_request(email=EMAIL, language="xx").language == "en"


def test_issue_token_stores_only_its_hash():
    link = sign_in_link_request(email=EMAIL, language="en")
    token = sign_in_link_issue_token(link=link)
    link.refresh_from_db()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in link.token_hash
    assert token not in audit_text()
    assert len(token) >= 40


def test_a_second_token_replaces_the_first():
    link = sign_in_link_request(email=EMAIL, language="en")
    first = sign_in_link_issue_token(link=link)
    second = sign_in_link_issue_token(link=link)
    with pytest.raises(SignInLinkInvalid):
        sign_in_link_redeem(token=first)
    assert sign_in_link_redeem(token=second).pk


def test_redeem_creates_the_person_with_a_verified_email():
    person = _signed_in()
    point = ContactPoint.objects.get(person=person)
    assert (point.kind, point.value, point.is_primary) == ("email", "jane.doe@example.org", True)
    assert point.verified_at is not None
    assert AuditEvent.objects.filter(action="portal:person:sign_in", person_id=person.pk).count() == 1
    link = SignInLink.objects.get()
    assert link.used_at is not None and link.person_id == person.pk


def test_redeem_finds_the_existing_person_and_verifies_their_email(make_person):
    existing = make_person(given_name="Jane", emails=["jane.doe@example.org"])
    link = sign_in_link_request(email=EMAIL, language="en")
    assert link.person_id == existing.pk
    person = sign_in_link_redeem(token=sign_in_link_issue_token(link=link))
    assert person.pk == existing.pk
    assert ContactPoint.objects.get(person=existing).verified_at is not None
    assert Person.objects.count() == 1


def test_redeem_follows_a_merge(make_person, supervisor):
    from civitas.people.services import person_merge

    source = make_person(emails=["jane.doe@example.org"])
    target = make_person(given_name="Jane")
    person_merge(actor=supervisor, source=source, target=target)
    assert _signed_in().pk == target.pk


def test_a_link_works_once():
    link = sign_in_link_request(email=EMAIL, language="en")
    token = sign_in_link_issue_token(link=link)
    sign_in_link_redeem(token=token)
    with pytest.raises(SignInLinkInvalid) as exc:
        sign_in_link_redeem(token=token)
    assert exc.value.code == "used"
    with pytest.raises(SignInLinkInvalid):
        sign_in_link_issue_token(link=link)


def test_an_expired_link_is_refused():
    link = sign_in_link_request(email=EMAIL, language="en")
    token = sign_in_link_issue_token(link=link)
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(SignInLinkInvalid) as exc:
        sign_in_link_redeem(token=token)
    assert exc.value.code == "expired"
    assert not Person.objects.exists()


@pytest.mark.parametrize("token", ["", "nope", "x" * 500])
def test_an_unknown_token_is_refused(token):
    with pytest.raises(SignInLinkInvalid) as exc:
        sign_in_link_redeem(token=token)
    assert exc.value.code == "unknown"


def test_resident_person_is_none_for_a_missing_id():
    assert resident_person(None) is None
    assert resident_person(99999) is None
    assert resident_person("1") is None  # type: ignore[arg-type]


# --- profile ------------------------------------------------------------------------------------


def _save(person: Person, **fields):
    consents = fields.pop("consents", {})
    values = {"preferred_channel": "email", "preferred_language": "en", **fields}
    return resident_profile_save(person=person, consents=consents, **values)


def test_details_are_kept_only_with_consent():
    person = _signed_in()
    assert resident_prefill(person.pk) == {}
    with pytest.raises(ValidationError) as exc:
        _save(person, given_name="Jane", address="12 Main St")
    assert exc.value.field == "store_details"
    person.refresh_from_db()
    assert person.given_name == ""

    changed = _save(
        person, consents={"store_details": True}, given_name="Jane", family_name="Doe", address="12 Main St"
    )
    assert set(changed) >= {"store_details", "given_name", "family_name", "address"}
    person.refresh_from_db()
    assert (person.given_name, person.address) == ("Jane", "12 Main St")
    assert resident_prefill(person.pk) == {
        "given_name": "Jane",
        "family_name": "Doe",
        "address": "12 Main St",
        "email": "jane.doe@example.org",
        "phone": "",
        "preferred_channel": "email",
        "preferred_language": "en",
    }
    text = audit_text()
    assert "Jane" not in text and "12 Main St" not in text


def test_withdrawing_consent_clears_names_and_address_and_is_recorded():
    person = _signed_in()
    _save(person, consents={"store_details": True}, given_name="Jane", address="12 Main St")
    _save(person, consents={"store_details": False}, given_name="Jane", address="12 Main St")
    person.refresh_from_db()
    assert (person.given_name, person.address) == ("", "")
    history = [(c.purpose, c.given, c.method) for c in Consent.objects.filter(person=person).order_by("id")]
    assert history == [("store_details", True, "web_form"), ("store_details", False, "web_form")]
    assert resident_prefill(person.pk) == {}


def test_unchanged_consent_records_nothing():
    person = _signed_in()
    assert _save(person) == []
    _save(person, consents={"email_updates": True})
    _save(person, consents={"email_updates": True})
    assert Consent.objects.filter(person=person).count() == 1


def test_phone_and_text_messages():
    person = _signed_in()
    with pytest.raises(ValidationError) as exc:
        _save(person, preferred_channel="sms")
    assert exc.value.field == "preferred_channel"
    _save(person, consents={"sms_messages": True}, phone="617-555-0123", preferred_channel="sms")
    profile = resident_profile(person=person)
    assert profile.phone == "+16175550123"
    assert profile.consents["sms_messages"] is True
    person.refresh_from_db()
    assert person.preferred_channel == "sms"
    _save(person, phone="")
    assert resident_profile(person=person).phone == ""


def test_someone_elses_phone_is_refused_without_saying_whose(make_person):
    make_person(phones=["+16175550123"])
    person = _signed_in()
    with pytest.raises(ValidationError) as exc:
        _save(person, phone="617 555 0123", consents={"store_details": True}, given_name="Jane")
    assert exc.value.field == "phone"
    person.refresh_from_db()
    assert person.given_name == ""  # nothing saved when one part fails
    assert not Consent.objects.filter(person=person).exists()


def test_a_bad_phone_names_the_field():
    with pytest.raises(ValidationError) as exc:
        _save(_signed_in(), phone="abc")
    assert exc.value.field == "phone"


# --- delete my details ----------------------------------------------------------------------------


def test_delete_clears_details_contacts_and_links_keeps_history():
    person = _signed_in()
    _save(
        person,
        consents={"store_details": True, "sms_messages": True, "email_updates": True},
        given_name="Jane",
        family_name="Doe",
        address="12 Main St",
        phone="617-555-0123",
    )
    sign_in_link_request(email=EMAIL, language="en")  # an unused link to the same address
    resident_details_delete(person=person)
    person.refresh_from_db()
    assert (person.given_name, person.family_name, person.address) == ("", "", "")
    assert person.preferred_channel == "none"
    assert not ContactPoint.objects.filter(person=person).exists()
    assert not SignInLink.objects.exists()
    profile = resident_profile(person=person)
    assert profile.consents == {"store_details": False, "email_updates": False, "sms_messages": False}
    assert Consent.objects.filter(person=person, given=True).count() == 3  # history kept
    assert Consent.objects.filter(person=person, given=False).count() == 3
    event = AuditEvent.objects.get(action="portal:person:details_deleted")
    assert event.person_id == person.pk
    text = audit_text()
    assert "jane.doe@example.org" not in text and "+16175550123" not in text and "Jane" not in text


def test_after_delete_the_same_email_signs_in_as_a_new_person():
    person = _signed_in()
    resident_details_delete(person=person)
    again = _signed_in()
    assert again.pk != person.pk
