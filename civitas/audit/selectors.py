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


def audit_events_page(
    *,
    actor,
    after_seq: int | None = None,
    limit: int = 100,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    person_id: int | None = None,
    actor_id: int | None = None,
) -> list[AuditEvent]:
    """A keyset page of the trail in chain order (oldest first) after `after_seq`, optionally filtered."""
    require(actor, "audit.view")
    qs = AuditEvent.objects.order_by("seq")
    if after_seq is not None:
        qs = qs.filter(seq__gt=after_seq)
    filters = {
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "person_id": person_id,
        "actor_id": actor_id,
    }
    qs = qs.filter(**{name: value for name, value in filters.items() if value is not None})
    return list(qs[: max(1, min(int(limit), 1000))])
