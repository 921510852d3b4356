"""person_merge: everything moves to the survivor, clashes are resolved, nothing partial is left."""

from __future__ import annotations

import pytest

from civitas.audit.models import AuditEvent
from civitas.core.errors import PermissionDenied, ValidationError
from civitas.people import services
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.selectors import current_consents
from civitas.people.services import consent_record, person_merge
from civitas.people.tests.conftest import audit_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(agent, make_person):
    """Two records of the same resident, each with contact points and consent history."""
    source = make_person(
        given_name="Ana",
        family_name="Reyes",
        emails=["ana@home.example"],
        phones=["617-635-4500"],
        preferred_language="es",
    )
    target = make_person(emails=["ana@work.example"])
    consent_record(actor=agent, person=source, purpose="sms_messages", given=True, method="web_form")
    consent_record(actor=agent, person=target, purpose="email_updates", given=True, method="staff")
    return source, target


def test_merge_moves_contact_points_and_consents_and_retires_the_source(supervisor, pair):
    source, target = pair
    result = person_merge(actor=supervisor, source=source, target=target)
    assert result.pk == target.pk
    assert ContactPoint.objects.filter(person=source).count() == 0
    assert set(target.contact_points.values_list("value", flat=True)) == {
        "ana@home.example",
        "ana@work.example",
        "+16176354500",
    }
    assert Consent.objects.filter(person=source).count() == 0
    assert set(current_consents(person=target)) == {"sms_messages", "email_updates"}
    source.refresh_from_db()
    assert (source.is_active, source.merged_into_id) == (False, target.pk)
    assert source.merged_at is not None
    assert source.surviving().pk == target.pk


def test_merge_keeps_the_targets_primary_and_demotes_the_sources(supervisor, pair):
    source, target = pair
    person_merge(actor=supervisor, source=source, target=target)
    primaries = dict(target.contact_points.filter(is_primary=True).values_list("kind", "value"))
    assert primaries == {"email": "ana@work.example", "phone": "+16176354500"}


def test_merge_fills_only_the_targets_blank_names(supervisor, make_person):
    source = make_person(given_name="Ana", family_name="Reyes")
    target = make_person(given_name="Ana María")
    person_merge(actor=supervisor, source=source, target=target)
    target.refresh_from_db()
    assert (target.given_name, target.family_name) == ("Ana María", "Reyes")


def test_merge_is_audited_for_both_people_with_ids_only(supervisor, pair):
    source, target = pair
    person_merge(actor=supervisor, source=source, target=target)
    events = {e.context["role"]: e for e in AuditEvent.objects.filter(action="service:person:merge")}
    assert set(events) == {"source", "target"}
    for role, event in events.items():
        assert event.context["source_id"] == source.pk
        assert event.context["target_id"] == target.pk
        assert event.person_id == (source.pk if role == "source" else target.pk)
        assert event.actor_id == supervisor.pk
    assert events["target"].context["moved"] == {"people.contactpoint.person": 2, "people.consent.person": 1}
    assert events["target"].changes["family_name"] == {"before": "", "after": services.CHANGED}
    assert events["source"].changes["merged_into"] == {"before": None, "after": target.pk}
    text = audit_text()
    for personal in ("ana@home.example", "ana@work.example", "6176354500", "Reyes"):
        assert personal not in text


def test_people_merged_into_the_source_now_point_at_the_target(supervisor, make_person):
    first, second, third = make_person(given_name="A"), make_person(given_name="B"), make_person(given_name="C")
    person_merge(actor=supervisor, source=first, target=second)
    person_merge(actor=supervisor, source=second, target=third)
    first.refresh_from_db()
    assert first.merged_into_id == third.pk  # the chain is kept one step long


def test_merge_into_self_is_refused(supervisor, make_person):
    person = make_person(given_name="Ana")
    with pytest.raises(ValidationError, match="themselves") as caught:
        person_merge(actor=supervisor, source=person, target=person)
    assert caught.value.field == "target"


def test_merge_into_an_inactive_person_is_refused_and_names_the_survivor(supervisor, make_person):
    a, b, c = make_person(given_name="A"), make_person(given_name="B"), make_person(given_name="C")
    person_merge(actor=supervisor, source=a, target=b)
    with pytest.raises(ValidationError, match=f"Person #{b.pk}") as caught:
        person_merge(actor=supervisor, source=c, target=a)
    assert caught.value.field == "target"


def test_merging_an_already_merged_source_is_refused(supervisor, make_person):
    a, b, c = make_person(given_name="A"), make_person(given_name="B"), make_person(given_name="C")
    person_merge(actor=supervisor, source=a, target=b)
    with pytest.raises(ValidationError) as caught:
        person_merge(actor=supervisor, source=a, target=c)
    assert caught.value.field == "source"


def test_merge_uses_the_stored_state_not_a_stale_instance(supervisor, make_person):
    a, b, c = make_person(given_name="A"), make_person(given_name="B"), make_person(given_name="C")
    stale_a = Person.objects.get(pk=a.pk)
    person_merge(actor=supervisor, source=a, target=b)
    with pytest.raises(ValidationError):
        person_merge(actor=supervisor, source=stale_a, target=c)


@pytest.mark.parametrize("role", ["agent", "caseworker", None])
def test_merge_needs_a_manager_or_privacy_officer(make_staff, department, pair, role):
    user = make_staff(role, department if role == "caseworker" else None)
    with pytest.raises(PermissionDenied):
        person_merge(actor=user, source=pair[0], target=pair[1])


def test_a_privacy_officer_may_merge(make_staff, pair):
    person_merge(actor=make_staff("privacy_officer"), source=pair[0], target=pair[1])
    assert not Person.objects.get(pk=pair[0].pk).is_active


def test_nothing_partial_is_left_when_the_merge_fails(supervisor, pair, monkeypatch):
    source, target = pair
    snapshot = (
        sorted(ContactPoint.objects.values_list("pk", "person_id", "is_primary")),
        sorted(Consent.objects.values_list("pk", "person_id")),
        sorted(Person.objects.values_list("pk", "is_active", "merged_into_id", "family_name")),
        AuditEvent.objects.count(),
    )

    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "_audit_merge", broken_audit)
    with pytest.raises(RuntimeError):
        person_merge(actor=supervisor, source=source, target=target)
    assert snapshot == (
        sorted(ContactPoint.objects.values_list("pk", "person_id", "is_primary")),
        sorted(Consent.objects.values_list("pk", "person_id")),
        sorted(Person.objects.values_list("pk", "is_active", "merged_into_id", "family_name")),
        AuditEvent.objects.count(),
    )


def test_a_blocked_repoint_becomes_a_validation_error_and_rolls_back(supervisor, pair, monkeypatch):
    from django.db import IntegrityError

    source, target = pair

    def blocked(**kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(services, "repoint_references", blocked)
    with pytest.raises(ValidationError) as caught:
        person_merge(actor=supervisor, source=source, target=target)
    assert caught.value.code == "merge_blocked"
    assert ContactPoint.objects.filter(person=source).count() == 2


def test_merge_updates_every_table_that_references_person_in_any_app(supervisor, pair):
    """Whatever apps are installed (cases: requester, followers…), each reference gets re-pointed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civitas.people.relations import references_to

    source, target = pair
    with CaptureQueriesContext(connection) as queries:
        person_merge(actor=supervisor, source=source, target=target)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    for ref in references_to(Person):
        table, column = ref.model._meta.db_table, ref.field.column
        assert any(table in sql and column in sql for sql in updates), f"{ref.label} was not re-pointed"
