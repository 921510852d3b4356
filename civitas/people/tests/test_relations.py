"""The generic reference walker behind person_merge, tested on models this project owns or ships
(people, and Django's own auth Group with its many-to-many through tables) — no test-only models."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from civitas.accounts.models import User
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.relations import references_to, repoint_references, unique_sets


def labels(model) -> set[str]:
    return {ref.label for ref in references_to(model)}


def test_every_foreign_key_to_person_is_found_including_the_self_reference():
    found = labels(Person)
    assert {"people.contactpoint.person", "people.consent.person", "people.person.merged_into"} <= found
    for ref in references_to(Person):
        assert ref.field.remote_field.model is Person


def test_many_to_many_through_tables_are_found_even_when_auto_created_and_hidden():
    found = labels(Group)
    through_user = User.groups.through._meta.label_lower
    through_perm = Group.permissions.through._meta.label_lower
    assert f"{through_user}.group" in found  # reverse side: User.groups
    assert f"{through_perm}.group" in found  # forward side: Group.permissions


def test_unique_sets_read_unique_together_and_conditional_constraints():
    (group_ref,) = [r for r in references_to(Group) if r.model is User.groups.through]
    assert [s.others for s in unique_sets(group_ref)] == [("user",)]
    (point_ref,) = [r for r in references_to(Person) if r.model is ContactPoint]
    (primary,) = unique_sets(point_ref)
    assert primary.others == ("kind",)
    assert primary.condition == Q(is_primary=True)
    (consent_ref,) = [r for r in references_to(Person) if r.model is Consent]
    assert unique_sets(consent_ref) == []


@pytest.mark.django_db
def test_repoint_moves_m2m_rows_and_drops_the_ones_the_target_already_has():
    """Like two people following the same case: the duplicate link is dropped, the rest move."""
    source, target = Group.objects.create(name="source"), Group.objects.create(name="target")
    both = User.objects.create_user(email="both@city.example")
    only_source = User.objects.create_user(email="source@city.example")
    both.groups.add(source, target)
    only_source.groups.add(source)
    permission = Permission.objects.first()
    source.permissions.add(permission)

    results = {r.label: r for r in repoint_references(source=source, target=target)}

    through_user = f"{User.groups.through._meta.label_lower}.group"
    assert (results[through_user].moved, results[through_user].dropped) == (1, 1)
    assert set(target.user_set.all()) == {both, only_source}
    assert not source.user_set.exists()
    assert list(target.permissions.all()) == [permission]


@pytest.mark.django_db
def test_repoint_people_rows_and_resolve_a_conditional_unique_clash():
    source = Person.objects.create(given_name="S")
    target = Person.objects.create(given_name="T")
    merged_earlier = Person.objects.create(is_active=False, merged_into=source)
    ContactPoint.objects.create(person=source, kind="email", value="s@example.org", is_primary=True)
    ContactPoint.objects.create(person=source, kind="email", value="s2@example.org")
    ContactPoint.objects.create(person=target, kind="email", value="t@example.org", is_primary=True)
    Consent.objects.create(person=source, purpose="sms_messages", given=True, method="sms")

    results = {r.label: (r.moved, r.dropped) for r in repoint_references(source=source, target=target)}

    # The source's primary email clashes with the target's under "one primary per kind": the
    # walker treats it as a duplicate (person_merge demotes it first, so nothing is lost there).
    assert results == {
        "people.contactpoint.person": (1, 1),
        "people.consent.person": (1, 0),
        "people.person.merged_into": (1, 0),
    }
    assert set(target.contact_points.values_list("value", flat=True)) == {"t@example.org", "s2@example.org"}
    merged_earlier.refresh_from_db()
    assert merged_earlier.merged_into_id == target.pk


@pytest.mark.django_db
def test_exclude_skips_a_relation_and_models_must_match():
    source, target = Person.objects.create(), Person.objects.create()
    Consent.objects.create(person=source, purpose="sms_messages", given=True, method="sms")
    assert repoint_references(source=source, target=target, exclude=["people.consent.person"]) == []
    assert Consent.objects.get().person_id == source.pk
    with pytest.raises(TypeError):
        repoint_references(source=source, target=Group(pk=1))
