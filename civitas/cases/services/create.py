"""case_create: the one way a case comes into existence (web, phone, email, SMS, Open311, API)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from civitas.accounts.models import Team
from civitas.accounts.permissions import require
from civitas.audit.services import audit_record
from civitas.cases.models import Case, CaseFollower, EntryKind
from civitas.cases.services._common import add_entry
from civitas.cases.states import CaseStatus
from civitas.catalog.definitions import Definition, service_definition
from civitas.catalog.models import ServiceType
from civitas.catalog.validation import clean_attribute_values
from civitas.core import events
from civitas.core.choices import Channel, Priority
from civitas.core.errors import ValidationError
from civitas.core.references import new_token, next_reference
from civitas.people.models import Person

MAX_DESCRIPTION = 4000
MAX_TITLE = 200
# Channels through which the public (no staff actor) may open a case.
PUBLIC_CHANNELS = frozenset({Channel.WEB, Channel.EMAIL, Channel.SMS, Channel.OPEN311, Channel.SENSOR})


def resolve_definition(value: ServiceType | str) -> Definition:
    """The service type a case names (by object or code) and its questions, from the intake cache."""
    code = value.code if isinstance(value, ServiceType) else str(value)
    definition = service_definition(code)
    if definition is None:
        raise ValidationError(f"Unknown service type {value!r}.", field="service_type")
    if not definition.service_type.is_active:
        raise ValidationError(f"The service type {code!r} is not taking requests.", field="service_type")
    return definition


def resolve_service_type(value: ServiceType | str) -> ServiceType:
    return resolve_definition(value).service_type


def clean_location(lat: Any, long: Any) -> tuple[float | None, float | None]:
    if lat in (None, "") and long in (None, ""):
        return None, None
    if lat in (None, "") or long in (None, ""):
        raise ValidationError(
            "Give both latitude and longitude, or neither.", field="lat" if lat in (None, "") else "long"
        )
    try:
        lat_f, long_f = float(lat), float(long)
    except (TypeError, ValueError):
        raise ValidationError("Latitude and longitude must be numbers.", field="lat") from None
    if not math.isfinite(lat_f) or not -90 <= lat_f <= 90:
        raise ValidationError("Latitude must be between -90 and 90.", field="lat")
    if not math.isfinite(long_f) or not -180 <= long_f <= 180:
        raise ValidationError("Longitude must be between -180 and 180.", field="long")
    return lat_f, long_f


def clean_text(value: str | None, *, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(
            f"{field.capitalize()} is too long ({len(text)} characters; at most {limit}).", field=field
        )
    if "\x00" in text:
        raise ValidationError(f"{field.capitalize()} contains a NUL character.", field=field)
    return text


def clean_choice(value: str | None, choices: Any, *, field: str, default: str) -> str:
    if value in (None, ""):
        return default
    if value not in choices.values:
        raise ValidationError(
            f"{value!r} is not a valid {field}; use one of: {', '.join(choices.values)}.", field=field
        )
    return str(value)


def due_times(service_type: ServiceType, opened: datetime) -> tuple[datetime | None, datetime | None]:
    """Response and resolution due times from the service type's targets (calendar hours)."""
    response = service_type.response_target_hours
    resolution = service_type.resolution_target_hours
    return (
        opened + timedelta(hours=response) if response else None,
        opened + timedelta(hours=resolution) if resolution else None,
    )


def _check_actor(actor: Any, channel: str, service_type: ServiceType) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        if channel not in PUBLIC_CHANNELS:
            raise ValidationError(f"A case from channel {channel!r} needs a member of staff.", field="channel")
        return
    require(actor, "case.create", service_type.department_id)


def _default_team(service_type: ServiceType) -> Team | None:
    team = service_type.default_team
    if team is not None and team.department_id == service_type.department_id and team.is_active:
        return team
    return None


def case_create(
    *,
    actor: Any,
    service_type: ServiceType | str,
    channel: str,
    description: str = "",
    title: str = "",
    priority: str | None = None,
    lat: Any = None,
    long: Any = None,
    address: str = "",
    area: str = "",
    attributes: Mapping[str, Any] | None = None,
    requester: Person | None = None,
    followers: Iterable[Person] = (),
) -> Case:
    """Open a case. `actor` is a staff user, or None for the public through a public channel."""
    definition = resolve_definition(service_type)
    service_type = definition.service_type
    channel = clean_choice(channel, Channel, field="channel", default=Channel.WEB)
    _check_actor(actor, channel, service_type)
    fields: dict[str, Any] = {
        "description": clean_text(description, field="description", limit=MAX_DESCRIPTION),
        "title": clean_text(title, field="title", limit=MAX_TITLE),
        "address": clean_text(address, field="address", limit=300),
        "area": clean_text(area, field="area", limit=120),
        "priority": clean_choice(priority, Priority, field="priority", default=service_type.default_priority),
        "attributes": clean_attribute_values(service_type, attributes or {}, attributes=definition.attributes),
    }
    fields["lat"], fields["long"] = clean_location(lat, long)
    if requester is not None and not requester.is_active:
        raise ValidationError("The requester was merged into another person.", field="requester")
    with transaction.atomic():
        case = _insert_case(service_type=service_type, channel=channel, requester=requester, fields=fields)
        _add_followers(case, followers, requester)
        add_entry(case, kind=EntryKind.SYSTEM, actor=actor, public=True, data={"event": "created", "channel": channel})
        audit_record(
            actor=actor,
            action="service:case:create",
            obj=case,
            person_id=requester.pk if requester else None,
            changes={
                "status": {"before": None, "after": case.status},
                "service_type_id": {"before": None, "after": service_type.pk},
                "department_id": {"before": None, "after": case.department_id},
            },
            context={"reference": case.reference, "channel": channel},
        )
        events.publish("case.created", case_id=case.pk)
    return case


def _insert_case(*, service_type: ServiceType, channel: str, requester: Person | None, fields: dict) -> Case:
    now = timezone.now()
    response_due, resolution_due = due_times(service_type, now)
    return Case.objects.create(
        reference=next_reference(year=timezone.localtime(now).year),
        tracking_token=new_token(),
        service_type=service_type,
        department_id=service_type.department_id,
        team=_default_team(service_type),
        status=CaseStatus.NEW,
        channel=channel,
        requester=requester,
        created_at=now,
        updated_at=now,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        **fields,
    )


def _add_followers(case: Case, followers: Iterable[Person], requester: Person | None) -> None:
    people = {person.pk: person for person in followers if person.is_active}
    if requester is not None:
        people.pop(requester.pk, None)
    if people:
        CaseFollower.objects.bulk_create([CaseFollower(case=case, person=person) for person in people.values()])
