"""REST API v1: people. Person records are shared by every department; reading one needs `person.view`
and records an access event (who, when, purpose, `via: api`). People are named by the id the console uses."""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from civitas.api.rest.common import READ_ERRORS, WRITE_ERRORS, Id, clean_param
from civitas.api.rest.schemas import Input, PersonOut
from civitas.people.models import Person
from civitas.people.selectors import DEFAULT_READ_PURPOSE, READ_PURPOSES, person_get, persons_search
from civitas.people.services import person_find_or_create_by_contact

router = Router(tags=["people"])
VIA = "api"
PURPOSE_HELP = "Why the data is read (recorded with the read)."
# The read purposes as an enum, so the OpenAPI document lists them.
Purpose = Enum("Purpose", {name: name for name in READ_PURPOSES}, type=str)  # type: ignore[misc]


class PersonSearch(Schema):
    q: str = Field(
        min_length=1, description="Words starting given or family names, or an exact email address or phone number."
    )
    purpose: Purpose = Field(Purpose(DEFAULT_READ_PURPOSE), description=PURPOSE_HELP)
    limit: int = Field(20, ge=1, le=100)


class PersonRead(Schema):
    purpose: Purpose = Field(Purpose(DEFAULT_READ_PURPOSE), description=PURPOSE_HELP)


class PersonIn(Input):
    """Find the person owning this email or phone, or record a new one (names apply to a new person only)."""

    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    given_name: str = Field("", max_length=100)
    family_name: str = Field("", max_length=100)
    preferred_language: str = Field("en", max_length=8)
    preferred_channel: str = Field("email", max_length=8)


def _purpose(value: Any) -> str:
    return str(value.value)


def person_out(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "preferred_language": person.preferred_language,
        "preferred_channel": person.preferred_channel,
        "address": person.address,
        "is_active": person.is_active,
        "merged_into_id": person.merged_into_id,
        "contacts": [
            {"kind": point.kind, "value": point.value, "is_primary": point.is_primary}
            for point in person.contact_points.all()
        ],
    }


@router.get("", response={200: list[PersonOut], **READ_ERRORS}, url_name="people")
def search_people(request: HttpRequest, params: Query[PersonSearch]) -> Any:
    """People matching `q` (contact details match exactly, never in part). Each result's read is recorded."""
    query = clean_param(params.q, "q") or ""
    purpose = _purpose(params.purpose)
    people = persons_search(actor=request.user, query=query, limit=params.limit, purpose=purpose, via=VIA)
    return [person_out(person) for person in people]


@router.get("/{person_id}", response={200: PersonOut, **READ_ERRORS}, url_name="person")
def get_person(request: HttpRequest, person_id: Id, params: Query[PersonRead]) -> Any:
    person = person_get(actor=request.user, person_id=person_id, purpose=_purpose(params.purpose), via=VIA)
    return person_out(person)


@router.post("", response={200: PersonOut, 201: PersonOut, **WRITE_ERRORS}, url_name="person-find-or-create")
def find_or_create_person(request: HttpRequest, payload: PersonIn) -> Any:
    """200 with the existing person owning the email or phone, or 201 with a new person."""
    person, created = person_find_or_create_by_contact(
        actor=request.user,
        email=clean_param(payload.email, "email"),
        phone=clean_param(payload.phone, "phone"),
        given_name=payload.given_name,
        family_name=payload.family_name,
        preferred_language=payload.preferred_language,
        preferred_channel=payload.preferred_channel,
    )
    person = person_get(actor=request.user, person_id=person.pk, purpose="case_work", via=VIA)
    return Status(201 if created else 200, person_out(person))
