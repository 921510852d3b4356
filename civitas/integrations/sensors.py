"""Sensor intake: a smart-city device reports a condition; Civitas opens a case or appends to the open one.

`sensor_event_receive` is the one service behind `POST /api/v1/sensor-events`. A condition is mapped to a
service type by a SensorMapping (admin). The first reading of a device and condition opens a case for the
public (`actor=None`, channel "sensor"); later readings append an internal timeline entry to that case while
it is open. The mapping row is locked for the transaction, so two readings arriving together cannot open two
cases (on SQLite every write transaction is already serialised: BEGIN IMMEDIATE).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from civitas.audit.services import audit_record
from civitas.cases.models import Case
from civitas.cases.services import case_create
from civitas.cases.services.create import clean_location
from civitas.cases.services.sensor import case_add_sensor_reading
from civitas.core.choices import Channel
from civitas.core.errors import PermissionDenied, ValidationError
from civitas.integrations.keys import key_require_application_writer
from civitas.integrations.models import ApiKey, SensorEvent, SensorMapping

MAX_DEVICE_ID = 100
MAX_ASSET_REF = 100
MAX_READING_CHARS = 2000
MAX_READING_KEYS = 20
# A device clock may run a little fast; a reading from further in the future is refused.
CLOCK_SKEW = timedelta(minutes=5)
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
CONDITION = re.compile(r"^[-a-zA-Z0-9_]+$")


@dataclass(frozen=True)
class SensorResult:
    event: SensorEvent
    case: Case
    opened: bool


def sensor_event_receive(
    *,
    api_key: ApiKey,
    device_id: str,
    condition: str,
    lat: Any = None,
    long: Any = None,
    asset_ref: str = "",
    observed_at: datetime | None = None,
    reading: Any = None,
) -> SensorResult:
    """Record one reading: open a case for the mapped service type, or append to the device's open case."""
    _check_key(api_key)
    device_id = _clean_identifier(device_id, field="device_id", limit=MAX_DEVICE_ID)
    condition = _clean_condition(condition)
    asset_ref = _clean_identifier(asset_ref, field="asset_ref", limit=MAX_ASSET_REF, required=False)
    lat, long = clean_location(lat, long)
    if lat is None and not asset_ref:
        raise ValidationError("Give a location (lat and long) or an asset reference.", field="lat")
    observed_at = _clean_observed_at(observed_at)
    reading = _clean_reading(reading)
    with transaction.atomic():
        mapping = _locked_mapping(condition)
        _check_scope(api_key, mapping)
        case = _append_to_open_case(device_id, condition)
        opened = case is None
        if case is None:
            case = _open_case(mapping, device_id=device_id, lat=lat, long=long, asset_ref=asset_ref)
        event = SensorEvent.objects.create(
            api_key=api_key,
            device_id=device_id,
            condition=condition,
            case=case,
            opened_case=opened,
            lat=lat,
            long=long,
            asset_ref=asset_ref,
            reading=reading,
            observed_at=observed_at,
        )
        audit_record(
            actor=None,
            action="service:sensor_event:receive",
            obj=event,
            context={"reference": case.reference, "opened": opened, "api_key": api_key.pk, "condition": condition},
        )
    return SensorResult(event=event, case=case, opened=opened)


def _check_key(api_key: ApiKey) -> None:
    key_require_application_writer(api_key, what="Sensor events")


def _check_scope(api_key: ApiKey, mapping: SensorMapping) -> None:
    allowed = {department.pk for department in api_key.departments.all()}
    if allowed and mapping.service_type.department_id not in allowed:
        raise PermissionDenied("This key may not report conditions handled by that department.")


def _locked_mapping(condition: str) -> SensorMapping:
    """The active mapping for `condition`, locked until commit (serialises readings of that condition)."""
    mapping = (
        SensorMapping.objects.select_for_update()
        .select_related("service_type")
        .filter(condition=condition, is_active=True)
        .first()
    )
    if mapping is None:
        raise ValidationError(f"Unknown condition {condition!r}.", field="condition")
    return mapping


def _append_to_open_case(device_id: str, condition: str) -> Case | None:
    """The case of the device's latest reading of `condition`, with this reading appended; None if closed."""
    latest = (
        SensorEvent.objects.filter(device_id=device_id, condition=condition)
        .order_by("-received_at", "-id")
        .values_list("case_id", flat=True)
        .first()
    )
    if latest is None:
        return None
    return case_add_sensor_reading(actor=None, case_id=latest, device_id=device_id, condition=condition)


def _open_case(mapping: SensorMapping, *, device_id: str, lat: Any, long: Any, asset_ref: str) -> Case:
    return case_create(
        actor=None,
        channel=Channel.SENSOR,
        service_type=mapping.service_type,
        priority=mapping.priority or None,
        lat=lat,
        long=long,
        description=describe(mapping, device_id=device_id, asset_ref=asset_ref),
    )


def describe(mapping: SensorMapping, *, device_id: str, asset_ref: str) -> str:
    """The case description: plain text from the device's report (no personal data)."""
    lines = [f"Sensor {device_id} reported the condition {mapping.condition}."]
    if mapping.description:
        lines.append(mapping.description)
    if asset_ref:
        lines.append(f"Asset: {asset_ref}.")
    return "\n".join(lines)


def _clean_identifier(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{field} must be a string.", field=field)
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(f"{field} is required.", field=field)
        return ""
    if len(text) > limit or not IDENTIFIER.match(text):
        raise ValidationError(
            f"{field} must be at most {limit} letters, digits and . _ : / - (starting with a letter or digit).",
            field=field,
        )
    return text


def _clean_condition(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 60 or not CONDITION.match(text):
        raise ValidationError("condition must be a short code such as bin_full.", field="condition")
    return text


def _clean_observed_at(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError("observed_at is in the future.", field="observed_at")
    return value


def _clean_reading(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("reading must be a JSON object.", field="reading")
    if len(value) > MAX_READING_KEYS:
        raise ValidationError(f"reading may have at most {MAX_READING_KEYS} keys.", field="reading")
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        raise ValidationError("reading must hold finite numbers only.", field="reading") from None
    if len(text) > MAX_READING_CHARS or "\\u0000" in text:
        raise ValidationError(f"reading must be at most {MAX_READING_CHARS} characters of JSON.", field="reading")
    return dict(json.loads(text))
