"""Reading the audit trail (auditors and privacy officers only; see accounts.permissions)."""

from __future__ import annotations

from django.db.models import QuerySet

from civitas.accounts.permissions import require
from civitas.audit.models import AuditEvent


def audit_events_for_object(*, actor, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    require(actor, "audit.view")
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("seq")


def audit_events_for_person(*, actor, person_id: int) -> QuerySet[AuditEvent]:
    require(actor, "audit.view")
    return AuditEvent.objects.filter(person_id=person_id).order_by("seq")
