"""Reads: permission checks, access events, search by name / email / phone, consent state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.core.errors import NotFound, PermissionDenied, ValidationError
from civitas.people.models import Consent
from civitas.people.selectors import (
    consent_given,
    current_consents,
    person_find_by_contact,
    person_get,
    persons_search,
)
from civitas.people.services import consent_record, person_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(make_person):
    return make_person(given_name="Ana", family_name="Reyes", emails=["ana@home.example"], phones=["617-635-4500"])


def reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__endswith=":person:read").order_by("seq"))


# --- person_get ---------------------------------------------------------------------------------


def test_a_department_caseworker_may_view_a_person_and_the_read_is_recorded(caseworker, ana):
    person = person_get(actor=caseworker, person_id=ana.pk, purpose="case_work")
    assert person == ana
    (event,) = reads()
    assert (event.action, event.actor_id, event.person_id) == ("console:person:read", caseworker.pk, ana.pk)
    assert event.context == {"purpose": "case_work", "what": "person"}


def test_person_get_prefetches_contact_points(caseworker, ana, django_assert_num_queries):
    person = person_get(actor=caseworker, person_id=ana.pk, purpose="case_work")
    with django_assert_num_queries(0):
        assert len(person.contact_points.all()) == 2


def test_the_interface_is_named_in_the_access_event(caseworker, ana):
    person_get(actor=caseworker, person_id=str(ana.pk), purpose="api_request", via="api")
    assert reads()[0].action == "api:person:read"


@pytest.mark.parametrize("role", [None, "field_crew", "auditor"])
def test_a_user_without_person_view_gets_not_found_and_nothing_is_recorded(make_staff, department, ana, role):
    user = make_staff(role, department if role == "field_crew" else None)
    with pytest.raises(NotFound):
        person_get(actor=user, person_id=ana.pk, purpose="curiosity")
    assert reads() == []


@pytest.mark.parametrize("person_id", [999_999, 0, -1, "abc", None])
def test_a_missing_person_is_not_found(caseworker, person_id):
    with pytest.raises(NotFound):
        person_get(actor=caseworker, person_id=person_id, purpose="case_work")


def test_a_purpose_is_required(caseworker, ana):
    with pytest.raises(ValidationError) as caught:
        person_get(actor=caseworker, person_id=ana.pk, purpose=" ")
    assert caught.value.field == "purpose"
    assert reads() == []


# --- person_find_by_contact ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value"), [("email", " ANA@home.example"), ("phone", "(617) 635 4500")])
def test_find_by_contact_normalises_and_records_the_read(agent, ana, kind, value):
    assert person_find_by_contact(actor=agent, kind=kind, value=value, purpose="incoming_call") == ana
    (event,) = reads()
    assert (event.person_id, event.context["what"]) == (ana.pk, f"person:by_{kind}")


def test_find_by_contact_returns_none_without_recording(agent, ana):
    assert person_find_by_contact(actor=agent, kind="email", value="nobody@example.org", purpose="call") is None
    assert reads() == []


def test_find_by_contact_refuses_a_bad_value_or_kind(agent):
    with pytest.raises(ValidationError) as caught:
        person_find_by_contact(actor=agent, kind="phone", value="12", purpose="call")
    assert caught.value.field == "phone"
    with pytest.raises(ValidationError) as caught:
        person_find_by_contact(actor=agent, kind="fax", value="12", purpose="call")
    assert caught.value.field == "kind"


def test_find_by_contact_needs_the_permission(outsider, ana):
    with pytest.raises(PermissionDenied):
        person_find_by_contact(actor=outsider, kind="email", value="ana@home.example", purpose="call")


def test_find_by_contact_leads_to_the_survivor_of_a_merge(agent, supervisor, ana, make_person):
    survivor = make_person(given_name="Ana")
    person_merge(actor=supervisor, source=ana, target=survivor)
    assert person_find_by_contact(actor=agent, kind="email", value="ana@home.example", purpose="call") == survivor


# --- persons_search -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["Reyes", "reyes", "ana rey", "  Ana   Reyes ", "ANA@HOME.EXAMPLE", "617.635.4500", "+1 617 635 4500"],
)
def test_search_by_name_words_email_or_phone(agent, ana, make_person, query):
    make_person(given_name="Eve", family_name="Reynolds", emails=["eve@example.org"])
    assert persons_search(actor=agent, query=query) == [ana]


def test_search_never_matches_part_of_a_contact_value(agent, ana):
    assert persons_search(actor=agent, query="ana@home") == []
    assert persons_search(actor=agent, query="635-4500") == []


def test_search_orders_by_name_limits_and_records_one_read_per_result(agent, make_person):
    people = [make_person(given_name="Ana", family_name=name) for name in ("Cruz", "Abad", "Bello")]
    found = persons_search(actor=agent, query="ana", limit=2)
    assert [p.family_name for p in found] == ["Abad", "Bello"]
    assert sorted(e.person_id for e in reads()) == sorted(p.pk for p in found)
    assert {e.context["what"] for e in reads()} == {"person:search_result"}
    assert len(people) == 3


def test_search_skips_merged_records(agent, supervisor, make_person):
    old, new = make_person(given_name="Ana", family_name="Old"), make_person(given_name="Ana", family_name="New")
    person_merge(actor=supervisor, source=old, target=new)
    assert persons_search(actor=agent, query="Ana") == [new]


def test_search_runs_a_fixed_number_of_queries(agent, make_person):
    from django.db import connection

    for i in range(5):
        make_person(given_name="Ana", family_name=f"Family{i}", emails=[f"ana{i}@example.org"])
    with CaptureQueriesContext(connection) as queries:
        found = persons_search(actor=agent, query="Ana")
        assert all(len(p.contact_points.all()) == 1 for p in found)
    few = len(queries)
    make_person(given_name="Ana", family_name="Extra")
    with CaptureQueriesContext(connection) as queries:
        persons_search(actor=agent, query="Ana")
    assert len(queries) == few  # no query per result


@pytest.mark.parametrize("query", ["", "   ", None])
def test_empty_search_returns_nothing(agent, ana, query):
    assert persons_search(actor=agent, query=query) == []
    assert reads() == []


def test_search_needs_the_permission(outsider, ana):
    with pytest.raises(PermissionDenied):
        persons_search(actor=outsider, query="Ana")


# --- consent state ------------------------------------------------------------------------------


def test_current_consents_and_consent_given_read_the_latest_statement(agent, ana):
    assert current_consents(person=ana) == {}
    assert consent_given(person=ana, purpose="sms_messages") is False
    consent_record(actor=agent, person=ana, purpose="sms_messages", given=True, method="web_form")
    assert consent_given(person=ana, purpose="sms_messages") is True
    consent_record(actor=agent, person=ana, purpose="sms_messages", given=False, method="sms")
    assert consent_given(person=ana, purpose="sms_messages") is False
    assert current_consents(person=ana)["sms_messages"].given is False


def test_the_latest_by_recorded_time_wins_even_when_entered_later(agent, ana):
    """A paper form signed last week, typed in today, does not override yesterday's withdrawal."""
    now = timezone.now()
    Consent.objects.create(person=ana, purpose="email_updates", given=False, method="email", recorded_at=now)
    Consent.objects.create(
        person=ana, purpose="email_updates", given=True, method="paper", recorded_at=now - timedelta(days=7)
    )
    assert current_consents(person=ana)["email_updates"].given is False
