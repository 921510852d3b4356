"""REST API v1: sensor intake (`POST /api/v1/sensor-events`, application keys only).

The view parses the body and calls `sensor_event_receive`; domain errors (unknown condition, missing
location, a personal token, a read-only key) become problem+json answers through the API's error handlers.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import StrictFloat

from civitas.api.rest.common import WRITE_ERRORS
from civitas.api.rest.schemas import IsoDatetime
from civitas.integrations.sensors import sensor_event_receive

router = Router(tags=["sensors"])


class SensorEventIn(Schema):
    device_id: str = Field(..., min_length=1, max_length=100, description="The device's own identifier.")
    condition: str = Field(
        ..., min_length=1, max_length=60, description="A mapped condition code, e.g. `bin_full`.", examples=["bin_full"]
    )
    lat: StrictFloat | None = Field(None, ge=-90, le=90, description="Latitude (WGS 84); with `long`.")
    long: StrictFloat | None = Field(None, ge=-180, le=180, description="Longitude (WGS 84); with `lat`.")
    asset_ref: str | None = Field(None, max_length=100, description="The asset the device watches.")
    observed_at: IsoDatetime | None = Field(
        None, description="When the device observed the condition (ISO 8601; without an offset: UTC)."
    )
    reading: dict[str, Any] | None = Field(None, description="A small JSON object of raw values (≤ 20 keys).")


class SensorEventOut(Schema):
    reference: str = Field(..., description="The case reference, e.g. SR-2026-000123.")
    opened: bool = Field(..., description="True when this reading opened the case; false when it was appended.")
    status: str = Field(..., description="The case's status.")


@router.post(
    "",
    response={200: SensorEventOut, 201: SensorEventOut, **WRITE_ERRORS},
    url_name="sensor-events",
    summary="Report a sensor reading",
    description=(
        "Needs an application key that may write. Opens a case for the condition's service type (201), or "
        "appends the reading to the open case of the same device and condition (200). Give `lat` and `long` "
        "or `asset_ref`."
    ),
)
def sensor_event_create(request: HttpRequest, payload: SensorEventIn) -> Status:
    result = sensor_event_receive(
        api_key=request.api_key,  # type: ignore[attr-defined]
        device_id=payload.device_id,
        condition=payload.condition,
        lat=payload.lat,
        long=payload.long,
        asset_ref=payload.asset_ref or "",
        observed_at=payload.observed_at,
        reading=payload.reading,
    )
    body = SensorEventOut(reference=result.case.reference, opened=result.opened, status=result.case.status)
    return Status(201 if result.opened else 200, body)
