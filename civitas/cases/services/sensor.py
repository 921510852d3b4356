"""case_add_sensor_reading: a further reading from a device lands on the case its first reading opened."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from civitas.audit.services import audit_record
from civitas.cases.models import Case, EntryKind
from civitas.cases.services._common import add_entry
from civitas.cases.states import OPEN_STATUSES


def case_add_sensor_reading(*, actor: Any, case_id: int, device_id: str, condition: str) -> Case | None:
    """Append an internal system entry for one reading; None when the case is no longer open.

    The case row itself is not changed (no version bump): a device reporting every minute must not turn
    a caseworker's edit into a stale-version conflict.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.status not in OPEN_STATUSES:
            return None
        data = {"event": "sensor_reading", "device_id": device_id, "condition": condition}
        body = f"Another reading from device {device_id}: {condition}."
        add_entry(case, kind=EntryKind.SYSTEM, actor=actor, public=False, body=body, data=data)
        audit_record(
            actor=actor,
            action="service:case:sensor_reading",
            obj=case,
            context={"reference": case.reference, "device_id": device_id, "condition": condition},
        )
    return case
