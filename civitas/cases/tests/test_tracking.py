"""civitas.cases.tracking: the resident's view of a case and finding it by reference + contact."""

from __future__ import annotations

import pytest

from civitas.cases.models import CaseFollower
from civitas.cases.services import case_add_note, case_merge, case_reopen, case_transition
from civitas.cases.services.lifecycle import case_follow_by_contact
from civitas.cases.states import CaseStatus
from civitas.cases.tracking import STATUS_WORDS, case_by_token, case_for_resident, tracking_view
from civitas.core.errors import NotFound, ValidationError
from civitas.people.models import Consent, Person
from civitas.people.services import person_find_or_create_by_contact, person_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester():
    person, _ = person_find_or_create_by_contact(actor=None, email="ana@example.org", phone="617-555-0123")
    return person


@pytest.fixture
def case(make_case, requester):
    return make_case(requester=requester)


def test_every_status_has_plain_words():
    assert set(STATUS_WORDS) == set(CaseStatus.values)


@pytest.mark.parametrize("contact", ["ana@example.org", "ANA@EXAMPLE.ORG", "617 555 0123", "+1 617-555-0123"])
def test_requester_contact_finds_the_case(case, contact):
    assert case_for_resident(case.reference.lower(), contact) == case


def test_follower_contact_finds_the_case(case):
    ben, _ = person_find_or_create_by_contact(actor=None, email="ben@example.org")
    CaseFollower.objects.create(case=case, person=ben)
    assert case_for_resident(case.reference, "ben@example.org") == case


@pytest.mark.parametrize(
    "reference, contact",
    [
        ("SR-1999-000001", "ana@example.org"),
        (None, "ana@example.org"),
        ("REF", ""),
        ("x" * 100, "ana@example.org"),
        ("REF", "not a contact"),
    ],
)
def test_no_match_is_none(case, reference, contact):
    if reference == "REF":
        reference = case.reference
    assert case_for_resident(reference, contact) is None


def test_someone_elses_contact_does_not_match(case):
    person_find_or_create_by_contact(actor=None, email="eve@example.org")
    assert case_for_resident(case.reference, "eve@example.org") is None


def test_a_merged_away_persons_contact_still_matches(case, requester, make_staff):
    other, _ = person_find_or_create_by_contact(actor=None, email="old@example.org")
    admin = make_staff("system_admin")
    person_merge(actor=admin, source=other, target=requester)
    assert case_for_resident(case.reference, "old@example.org") == case


def test_token_lookup(case):
    assert case_by_token(case.tracking_token) == case
    for bad in ("", "   ", "nope", "x" * 65, None):
        with pytest.raises(NotFound):
            case_by_token(bad)  # type: ignore[arg-type]


def test_view_shows_public_history_only(case, caseworker):
    case_add_note(actor=caseworker, case=case, body="Crew on the way.", public=True)
    case_add_note(actor=caseworker, case=case, body="internal", public=False)
    case = case_transition(actor=caseworker, case=case, to_status="resolved")
    case = case_reopen(actor=caseworker, case=case, reason="Still broken")

    view = tracking_view(case)

    headlines = [str(event.headline) for event in view.events]
    assert headlines[0] == "We received your request"
    assert "Update from the team" in headlines
    assert "Status: Done" in headlines
    assert "Reopened: We are looking at it" in headlines
    assert all(event.body != "internal" for event in view.events)
    assert str(view.status_headline) == "We are looking at it"
    assert view.expected_at == case.resolution_due_at


def test_done_case_has_no_expected_date(case, caseworker):
    case = case_transition(actor=caseworker, case=case, to_status="resolved")
    view = tracking_view(case)
    assert view.is_done and view.expected_at is None


def test_merged_view_names_the_target(case, make_case, make_staff):
    target = make_case()
    manager = make_staff("supervisor", case.department)
    case_merge(actor=manager, source=case, target=target)
    case.refresh_from_db()
    view = tracking_view(case_by_token(case.tracking_token))
    assert view.merged_into == target
    assert "Joined with another report of the same problem" in [str(e.headline) for e in view.events]
    target_events = [str(e.headline) for e in tracking_view(target).events]
    assert "Another report of the same problem was joined to this one" in target_events


def test_location_sensitive_points_are_rounded_more(make_case, service_type):
    service_type.is_location_sensitive = True
    service_type.save()
    from civitas.catalog.definitions import service_definition  # noqa: F401 - cache reset by the save

    case = make_case(lat=42.351234, long=-71.061234)
    assert tracking_view(case).point == (42.351, -71.061)


# --- following by contact ------------------------------------------------------------------------


def test_follow_by_contact_creates_follows_and_records_consent_once(case):
    person = case_follow_by_contact(actor=None, case=case, email="ben@example.org")
    again = case_follow_by_contact(actor=None, case=case, email="ben@example.org")
    assert person == again
    assert CaseFollower.objects.filter(case=case, person=person).count() == 1
    assert Consent.objects.filter(person=person, purpose="contact_about_case", given=True).count() == 1


def test_follow_by_contact_for_the_requester_adds_no_follower(case, requester):
    assert case_follow_by_contact(actor=None, case=case, phone="(617) 555-0123") == requester
    assert not CaseFollower.objects.exists()


def test_follow_a_merged_case_is_refused(case, make_case, make_staff):
    case_merge(actor=make_staff("supervisor", case.department), source=case, target=make_case())
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        case_follow_by_contact(actor=None, case=case, email="ben@example.org")
    assert not Person.objects.filter(contact_points__value="ben@example.org").exists()
