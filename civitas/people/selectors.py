"""Reads for people. Each read of a person's data by a member of staff records an access event.

Person records are shared by every department, so the check is organisation-wide: any role
holding "person.view" somewhere may read them. Merged-away records are followed to the
person they were merged into where a match is looked up by contact.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civitas.accounts.permissions import require
from civitas.audit.services import PendingEvent, access_record, audit_record_many
from civitas.core.errors import NotFound, ValidationError
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.normalise import guess_contact, normalise_contact

SEARCH_MAX_LIMIT = 100
SEARCH_MAX_TOKENS = 4
SEARCH_QUERY_MAX_LENGTH = 200

# Why a member of staff opens a person's record (recorded with each access event).
READ_PURPOSES: dict[str, Any] = {
    "case_work": _("Working on their case"),
    "caller_enquiry": _("Answering their call or message"),
    "data_quality": _("Correcting or merging records"),
    "privacy_request": _("A privacy or records request"),
}
DEFAULT_READ_PURPOSE = "case_work"


def person_get(*, actor: Any, person_id: int | str, purpose: str, via: str = "console") -> Person:
    """One person with their contact points; NotFound when missing or when `actor` may not see people.

    A merged-away record is returned as stored (inactive, `merged_into` set) so an interface can
    say so and link to the survivor.
    """
    require(actor, "person.view", hide=True)
    _check_purpose(purpose)
    pk = _as_pk(person_id)
    person = Person.objects.prefetch_related("contact_points").filter(pk=pk).first() if pk else None
    if person is None:
        raise NotFound("Not found.")
    access_record(actor=actor, person_id=person.pk, purpose=purpose, what="person", via=via)
    return person


def person_find_by_contact(*, actor: Any, kind: str, value: str, purpose: str, via: str = "console") -> Person | None:
    """The (surviving) person owning this email or phone, or None. Raises ValidationError on a bad value."""
    require(actor, "person.view")
    _check_purpose(purpose)
    normalised = normalise_contact(kind, value)
    point = ContactPoint.objects.filter(kind=kind, value=normalised).select_related("person").first()
    if point is None:
        return None
    person = point.person.surviving()
    access_record(actor=actor, person_id=person.pk, purpose=purpose, what=f"person:by_{kind}", via=via)
    return person


def persons_search(
    *, actor: Any, query: str, limit: int = 20, purpose: str = "search", via: str = "console"
) -> list[Person]:
    """Active people matching `query`: an exact (normalised) email or phone, or names starting with each word.

    Contact values match exactly, never in part, so a search cannot be used to list addresses.
    """
    require(actor, "person.view")
    _check_purpose(purpose)
    query = (query or "").strip()[:SEARCH_QUERY_MAX_LENGTH]
    if not query:
        return []
    limit = max(1, min(int(limit), SEARCH_MAX_LIMIT))
    conditions = [Q(pk__in=ids) for ids in [_contact_matches(query)] if ids]
    conditions += [name for name in [_name_condition(query)] if name is not None]
    if not conditions:
        return []
    people = list(
        Person.objects.filter(reduce(operator.or_, conditions), is_active=True)
        .prefetch_related("contact_points")
        .order_by("family_name", "given_name", "id")[:limit]
    )
    _record_reads(actor, people, purpose=purpose, what="person:search_result", via=via)
    return people


def current_consents(*, person: Person) -> dict[str, Consent]:
    """The consent statement in force for each purpose the person has ever answered (the latest row)."""
    latest: dict[str, Consent] = {}
    for consent in Consent.objects.filter(person=person).order_by("purpose", "-recorded_at", "-id"):
        latest.setdefault(consent.purpose, consent)
    return latest


def consent_history(*, person: Person) -> list[Consent]:
    """Every consent statement the person made, newest first, with who recorded it."""
    return list(Consent.objects.filter(person=person).select_related("recorded_by").order_by("-recorded_at", "-id"))


def consent_given(*, person: Person, purpose: str) -> bool:
    """True only when the latest statement for `purpose` gives consent (no statement: False)."""
    latest = Consent.objects.filter(person=person, purpose=purpose).order_by("-recorded_at", "-id").first()
    return bool(latest and latest.given)


# --- helpers ------------------------------------------------------------------------------------


def _check_purpose(purpose: str) -> None:
    if not isinstance(purpose, str) or not purpose.strip():
        raise ValidationError("Say why this person's data is being read.", field="purpose")


def _as_pk(value: int | str) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if pk > 0 else None


def _name_condition(query: str) -> Q | None:
    words = [word for word in query.split() if "@" not in word][:SEARCH_MAX_TOKENS]
    if not words:
        return None
    per_word = [Q(given_name__istartswith=word) | Q(family_name__istartswith=word) for word in words]
    return reduce(operator.and_, per_word)


def _contact_matches(query: str) -> list[int]:
    """Ids of the people owning the email or phone `query` names (after normalising), if any."""
    contact = guess_contact(query)
    if contact is None:
        return []
    kind, value = contact
    return list(ContactPoint.objects.filter(kind=kind, value=value).values_list("person_id", flat=True))


def _record_reads(actor: Any, people: list[Person], *, purpose: str, what: str, via: str) -> None:
    """One access event per person shown (written in one insert)."""
    if not people:
        return
    actor_id = int(actor.pk) if getattr(actor, "is_authenticated", False) else None
    audit_record_many(
        PendingEvent(
            action=f"{via}:person:read",
            actor_id=actor_id,
            person_id=person.pk,
            context={"purpose": purpose, "what": what},
        )
        for person in people
    )
