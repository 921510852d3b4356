"""Writes: create, update, contact points, consent, find-or-create (permissions, audit, atomicity)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.core.errors import NotFound, PermissionDenied, ValidationError
from civitas.people import services
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.selectors import current_consents
from civitas.people.services import (
    consent_record,
    contact_point_add,
    contact_point_remove,
    contact_point_set_primary,
    person_create,
    person_find_or_create_by_contact,
    person_update,
)
from civitas.people.tests.conftest import audit_text

pytestmark = pytest.mark.django_db

EMAIL = "Ana.Reyes@Example.org"
PHONE = "(617) 635-4500"


def counts() -> tuple[int, int, int, int]:
    return (Person.objects.count(), ContactPoint.objects.count(), Consent.objects.count(), AuditEvent.objects.count())


# --- person_create ------------------------------------------------------------------------------


def test_create_stores_normalised_contact_points_and_marks_the_first_of_each_kind_primary(agent):
    person = person_create(
        actor=agent,
        given_name="  Ana ",
        family_name="Reyes",
        emails=[EMAIL, "ana@work.example"],
        phones=[PHONE],
        preferred_language="es",
        preferred_channel="sms",
    )
    person.refresh_from_db()
    assert (person.given_name, person.family_name, person.display_name) == ("Ana", "Reyes", "Ana Reyes")
    assert (person.preferred_language, person.preferred_channel, person.is_active) == ("es", "sms", True)
    points = list(person.contact_points.order_by("kind", "-is_primary").values_list("kind", "value", "is_primary"))
    assert points == [
        ("email", "ana.reyes@example.org", True),
        ("email", "ana@work.example", False),
        ("phone", "+16176354500", True),
    ]
    assert str(person) == f"Person #{person.pk}"


def test_create_writes_an_audit_event_without_any_personal_value(agent):
    person = person_create(actor=agent, given_name="Ana", family_name="Reyes", emails=[EMAIL], phones=[PHONE])
    event = AuditEvent.objects.get(action="service:person:create")
    assert (event.person_id, event.actor_id, event.object_id) == (person.pk, agent.pk, str(person.pk))
    assert event.changes["given_name"] == {"before": None, "after": services.CHANGED}
    assert event.changes["preferred_language"] == {"before": None, "after": "en"}
    assert sorted(event.context["contact_point_ids"]) == sorted(person.contact_points.values_list("pk", flat=True))
    text = audit_text()
    for personal in ("ana.reyes@example.org", EMAIL, "Ana", "Reyes", "6176354500", "635-4500"):
        assert personal not in text


def test_the_same_contact_written_differently_in_one_call_is_stored_once(agent):
    person = person_create(
        actor=agent, emails=[EMAIL, EMAIL.upper(), " ana.reyes@example.org"], phones=[PHONE, "+16176354500"]
    )
    assert person.contact_points.count() == 2


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("email", {"emails": ["fresh@example.org", "ANA.REYES@example.org "]}),
        ("phone", {"emails": ["fresh@example.org"], "phones": ["617.635.4500"]}),
    ],
)
def test_create_refuses_a_contact_point_that_belongs_to_someone_else(agent, field, kwargs):
    person_create(actor=agent, emails=[EMAIL], phones=[PHONE])
    before = counts()
    with pytest.raises(ValidationError) as caught:
        person_create(actor=agent, given_name="Someone", **kwargs)
    assert (caught.value.field, caught.value.code) == (field, "duplicate")
    assert counts() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"preferred_language": "fr"}, "preferred_language"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"given_name": "x" * 151}, "given_name"),
        ({"family_name": 42}, "family_name"),
        ({"emails": ["not-an-email"]}, "email"),
        ({"phones": ["12"]}, "phone"),
    ],
)
def test_create_validates_every_input_and_writes_nothing_on_error(agent, kwargs, field):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        person_create(actor=agent, **kwargs)
    assert caught.value.field == field
    assert counts() == before


def test_create_takes_lists_not_a_bare_string(agent):
    with pytest.raises(TypeError):
        person_create(actor=agent, emails=EMAIL)  # type: ignore[arg-type]


def test_the_audit_event_is_written_in_the_same_transaction(agent, monkeypatch):
    """If the audit write fails, the person and contact points are rolled back with it."""

    def broken_audit(**kwargs):
        raise RuntimeError("audit unavailable")

    before = counts()
    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        person_create(actor=agent, given_name="Ana", emails=[EMAIL], phones=[PHONE])
    assert counts() == before


@pytest.mark.parametrize("role", [None, "field_crew", "auditor"])
def test_roles_without_person_create_are_refused(make_staff, department, role):
    user = make_staff(role, department if role == "field_crew" else None)
    before = counts()
    with pytest.raises(PermissionDenied):
        person_create(actor=user, given_name="Ana")
    assert counts() == before


def test_anonymous_actor_is_refused():
    with pytest.raises(PermissionDenied):
        person_create(actor=None, given_name="Ana")


def test_a_department_caseworker_may_create_people_shared_across_departments(caseworker):
    person = person_create(actor=caseworker, emails=[EMAIL])
    assert person.pk


# --- person_update ------------------------------------------------------------------------------


def test_update_changes_fields_and_audits_names_as_markers(agent, make_person):
    person = make_person(given_name="Ana", family_name="Reyes")
    updated = person_update(actor=agent, person=person, family_name="Reyes-Ortiz", preferred_channel="phone")
    assert updated.family_name == person.family_name == "Reyes-Ortiz"
    person.refresh_from_db()
    assert (person.family_name, person.preferred_channel) == ("Reyes-Ortiz", "phone")
    event = AuditEvent.objects.filter(action="service:person:update").get()
    assert event.person_id == person.pk
    assert event.changes == {
        "family_name": {"before": services.CHANGED, "after": services.CHANGED},
        "preferred_channel": {"before": "email", "after": "phone"},
    }
    assert "Reyes" not in audit_text()


def test_update_without_a_change_writes_no_audit_event(agent, make_person):
    person = make_person(given_name="Ana")
    before = counts()
    person_update(actor=agent, person=person, given_name=" Ana ")
    assert counts() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"is_active": False}, "is_active"),
        ({"merged_into": 3}, "merged_into"),
        ({"preferred_language": "xx"}, "preferred_language"),
    ],
)
def test_update_refuses_unknown_fields_and_bad_choices(agent, make_person, fields, field):
    person = make_person(given_name="Ana")
    with pytest.raises(ValidationError) as caught:
        person_update(actor=agent, person=person, **fields)
    assert caught.value.field == field


def test_update_of_a_merged_person_points_to_the_survivor(agent, supervisor, make_person):
    source, target = make_person(given_name="A"), make_person(given_name="B")
    services.person_merge(actor=supervisor, source=source, target=target)
    with pytest.raises(ValidationError, match=f"Person #{target.pk}") as caught:
        person_update(actor=agent, person=source, given_name="C")
    assert caught.value.code == "merged"


def test_update_needs_the_permission(outsider, make_person):
    person = make_person(given_name="Ana")
    with pytest.raises(PermissionDenied):
        person_update(actor=outsider, person=person, given_name="Eve")


# --- contact points -----------------------------------------------------------------------------


def test_add_normalises_and_the_first_of_a_kind_becomes_primary(agent, make_person):
    person = make_person(emails=[EMAIL])
    phone = contact_point_add(actor=agent, person=person, kind="phone", value="617 635 4500")
    email = contact_point_add(actor=agent, person=person, kind="email", value="Second@Example.org")
    assert (phone.value, phone.is_primary) == ("+16176354500", True)
    assert (email.value, email.is_primary) == ("second@example.org", False)
    event = AuditEvent.objects.filter(action="service:contact_point:add").last()
    assert event.person_id == person.pk
    assert event.changes["value"] == {"before": None, "after": services.CHANGED}
    assert "second@example.org" not in audit_text()


def test_add_is_idempotent_for_the_same_person_and_can_move_primary(agent, make_person):
    person = make_person(emails=[EMAIL, "other@example.org"])
    again = contact_point_add(actor=agent, person=person, kind="email", value=" OTHER@example.org")
    assert person.contact_points.count() == 2
    assert not again.is_primary
    contact_point_add(actor=agent, person=person, kind="email", value="other@example.org", is_primary=True)
    primary = person.contact_points.get(is_primary=True)
    assert primary.value == "other@example.org"
    assert AuditEvent.objects.filter(action="service:contact_point:update").count() == 1


def test_add_with_is_primary_demotes_the_current_primary(agent, make_person):
    person = make_person(phones=[PHONE])
    new = contact_point_add(actor=agent, person=person, kind="phone", value="+442079460958", is_primary=True)
    assert list(person.contact_points.filter(is_primary=True)) == [new]


def test_add_refuses_someone_elses_contact_and_writes_nothing(agent, make_person):
    make_person(emails=[EMAIL])
    other = make_person(given_name="Eve")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        contact_point_add(actor=agent, person=other, kind="email", value=EMAIL.upper())
    assert (caught.value.field, caught.value.code) == ("email", "duplicate")
    assert counts() == before


def test_add_refuses_an_unknown_kind(agent, make_person):
    with pytest.raises(ValidationError) as caught:
        contact_point_add(actor=agent, person=make_person(), kind="fax", value="123")
    assert caught.value.field == "kind"


def test_set_primary(agent, make_person):
    person = make_person(emails=[EMAIL, "other@example.org"])
    other = person.contact_points.get(value="other@example.org")
    contact_point_set_primary(actor=agent, contact_point=other)
    assert person.contact_points.get(is_primary=True).pk == other.pk


def test_removing_the_primary_promotes_the_oldest_other_of_its_kind(agent, make_person):
    person = make_person(emails=[EMAIL, "second@example.org", "third@example.org"], phones=[PHONE])
    primary = person.contact_points.get(kind="email", is_primary=True)
    contact_point_remove(actor=agent, contact_point=primary)
    assert not ContactPoint.objects.filter(pk=primary.pk).exists()
    assert person.contact_points.get(kind="email", is_primary=True).value == "second@example.org"
    event = AuditEvent.objects.get(action="service:contact_point:remove")
    assert (event.object_id, event.person_id) == (str(primary.pk), person.pk)
    assert "example.org" not in audit_text()


def test_removing_a_missing_contact_point_is_not_found(agent, make_person):
    person = make_person(emails=[EMAIL])
    point = person.contact_points.get()
    pk = point.pk
    contact_point_remove(actor=agent, contact_point=point)
    with pytest.raises(NotFound):
        contact_point_remove(actor=agent, contact_point=ContactPoint(pk=pk))


# --- consent ------------------------------------------------------------------------------------


def test_consent_history_is_appended_and_the_latest_statement_is_in_force(agent, make_person):
    person = make_person(phones=[PHONE])
    first = consent_record(actor=agent, person=person, purpose="sms_messages", given=True, method="web_form")
    second = consent_record(
        actor=agent, person=person, purpose="sms_messages", given=False, method="sms", note="Replied STOP"
    )
    consent_record(actor=agent, person=person, purpose="email_updates", given=True, method="staff")
    assert person.consents.count() == 3
    first.refresh_from_db()
    assert first.given is True  # history is never rewritten
    state = current_consents(person=person)
    assert state["sms_messages"].pk == second.pk
    assert state["sms_messages"].given is False
    assert state["email_updates"].given is True
    assert second.recorded_by == agent


def test_consent_is_audited_without_the_note(agent, make_person):
    person = make_person()
    consent_record(actor=agent, person=person, purpose="sms_messages", given=True, method="phone")
    consent = consent_record(
        actor=agent, person=person, purpose="sms_messages", given=False, method="phone", note="Caller asked to stop"
    )
    event = AuditEvent.objects.filter(action="service:consent:record").last()
    assert (event.object_id, event.person_id) == (str(consent.pk), person.pk)
    assert event.changes == {"given": {"before": True, "after": False}}
    assert event.context == {"purpose": "sms_messages", "method": "phone", "stated": False, "has_note": True}
    assert "Caller" not in audit_text()


def test_a_backdated_statement_is_kept_as_history_without_overriding_a_newer_one(agent, make_person):
    person = make_person()
    newer = consent_record(actor=agent, person=person, purpose="email_updates", given=False, method="email")
    older = consent_record(
        actor=agent,
        person=person,
        purpose="email_updates",
        given=True,
        method="paper",
        recorded_at=timezone.now() - timedelta(days=7),
    )
    assert current_consents(person=person)["email_updates"].pk == newer.pk
    event = AuditEvent.objects.filter(action="service:consent:record", object_id=str(older.pk)).get()
    assert event.changes == {"given": {"before": False, "after": False}}
    assert event.context["stated"] is True


@pytest.mark.parametrize(
    "recorded_at",
    [datetime(2026, 1, 1, 12, 0), "2026-01-01", "future"],
)
def test_consent_recorded_at_must_be_an_aware_past_moment(agent, make_person, recorded_at):
    if recorded_at == "future":
        recorded_at = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        consent_record(
            actor=agent,
            person=make_person(),
            purpose="sms_messages",
            given=True,
            method="paper",
            recorded_at=recorded_at,
        )
    assert caught.value.field == "recorded_at"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"method": "telepathy"}, "method"),
        ({"given": "yes"}, "given"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_consent_validates_inputs(agent, make_person, kwargs, field):
    person = make_person()
    args = {"purpose": "sms_messages", "given": True, "method": "web_form"} | kwargs
    with pytest.raises(ValidationError) as caught:
        consent_record(actor=agent, person=person, **args)
    assert caught.value.field == field
    assert not Consent.objects.exists()


def test_consent_needs_the_permission(make_staff, department, make_person):
    crew = make_staff("field_crew", department)
    with pytest.raises(PermissionDenied):
        consent_record(actor=crew, person=make_person(), purpose="sms_messages", given=True, method="staff")


# --- person_find_or_create_by_contact -----------------------------------------------------------


def test_find_or_create_creates_then_finds_by_either_contact_in_any_format(agent):
    person, created = person_find_or_create_by_contact(actor=agent, email=EMAIL, given_name="Ana")
    assert created
    again, created = person_find_or_create_by_contact(actor=agent, email=" ana.reyes@EXAMPLE.org")
    assert (again.pk, created) == (person.pk, False)
    assert Person.objects.count() == 1


def test_find_or_create_attaches_a_new_contact_to_the_matched_person(agent):
    person, _ = person_find_or_create_by_contact(actor=agent, email=EMAIL)
    found, created = person_find_or_create_by_contact(actor=agent, email=EMAIL, phone=PHONE, given_name="Other")
    assert (found.pk, created) == (person.pk, False)
    assert set(found.contact_points.values_list("value", flat=True)) == {"ana.reyes@example.org", "+16176354500"}
    found.refresh_from_db()
    assert found.given_name == ""  # intake never overwrites a known person's names
    by_phone, created = person_find_or_create_by_contact(actor=agent, phone="617.635.4500")
    assert (by_phone.pk, created) == (person.pk, False)


def test_find_or_create_prefers_the_email_match_and_leaves_a_phone_owned_by_someone_else(agent, make_person):
    by_email = make_person(emails=[EMAIL])
    by_phone = make_person(phones=[PHONE])
    found, created = person_find_or_create_by_contact(actor=agent, email=EMAIL, phone=PHONE)
    assert (found.pk, created) == (by_email.pk, False)
    assert ContactPoint.objects.get(kind="phone").person_id == by_phone.pk


def test_find_or_create_follows_a_merged_record_to_the_survivor(agent, make_person):
    survivor = make_person(given_name="Ana")
    # A contact point still on a merged-away record (data from before a merge fix, say).
    old = Person.objects.create(given_name="Ana", is_active=False, merged_into=survivor)
    ContactPoint.objects.create(person=old, kind="email", value="ana.reyes@example.org", is_primary=True)
    found, created = person_find_or_create_by_contact(actor=agent, email=EMAIL)
    assert (found.pk, created) == (survivor.pk, False)


def test_find_or_create_needs_a_contact_and_validates_it(agent):
    with pytest.raises(ValidationError) as caught:
        person_find_or_create_by_contact(actor=agent)
    assert caught.value.field == "email"
    with pytest.raises(ValidationError) as caught:
        person_find_or_create_by_contact(actor=agent, phone="12")
    assert caught.value.field == "phone"
    assert not Person.objects.exists()


@pytest.mark.parametrize("caught_by", ["pre-check", "unique index"])
def test_find_or_create_recovers_when_another_writer_created_the_person_first(
    agent, make_person, monkeypatch, caught_by
):
    """Simulate the race: our look-up misses, then the insert meets the other writer's row."""
    existing = make_person(emails=[EMAIL])
    if caught_by == "unique index":
        monkeypatch.setattr(services, "_refuse_taken", lambda contacts: None)
    real_match = services._match
    calls = {"n": 0}

    def first_miss(contacts):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_match(contacts)

    monkeypatch.setattr(services, "_match", first_miss)
    found, created = person_find_or_create_by_contact(actor=agent, email=EMAIL)
    assert (found.pk, created) == (existing.pk, False)
    assert Person.objects.count() == 1


def test_find_or_create_needs_the_permission(outsider):
    with pytest.raises(PermissionDenied):
        person_find_or_create_by_contact(actor=outsider, email=EMAIL)
