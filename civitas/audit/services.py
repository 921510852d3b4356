"""Writing to the audit trail. Callable from anywhere; always inside the caller's transaction."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from civitas.audit.chain import GENESIS_HASH, canonical_json, row_hash
from civitas.audit.keys import checkpoint_key, key_id
from civitas.audit.models import AuditCheckpoint, AuditEvent
from civitas.core.context import get_request_id, get_via

# Any constant works; it names the PostgreSQL advisory lock that serialises the chain head.
_CHAIN_LOCK_KEY = 0x0C1717A5


@dataclass
class PendingEvent:
    action: str
    actor_id: int | None
    object_type: str = ""
    object_id: str = ""
    person_id: int | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)


def object_label(obj: Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value changed, as {field: {"before": old, "after": new}}."""
    keys = sorted(set(before) | set(after))
    return {
        key: {"before": before.get(key), "after": after.get(key)} for key in keys if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Model | None = None,
    person_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. Call it inside the service's transaction."""
    object_type, object_id = object_label(obj)
    pending = PendingEvent(
        action=action,
        actor_id=_actor_id(actor),
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        changes=changes or {},
        context=_with_via(context),
    )
    (event,) = audit_record_many([pending])
    return event


def _with_via(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """The caller's context plus the credential the request came through (an API key), when there is one."""
    merged = dict(context or {})
    via = get_via()
    if via:
        merged.setdefault("via", via)
    return merged


def access_record(*, actor: Any, person_id: int, purpose: str, what: str, via: str = "console") -> AuditEvent:
    """Record that `actor` read a person's data (who, what, purpose)."""
    return audit_record(
        actor=actor,
        action=f"{via}:person:read",
        person_id=person_id,
        context={"purpose": purpose, "what": what},
    )


def audit_record_many(pending: Iterable[PendingEvent]) -> list[AuditEvent]:
    """Append several events at once (one lock, one INSERT) — used by bulk services."""
    items = list(pending)
    _check_actions(items)
    # No savepoint: a failure here must roll back the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        _lock_chain_head()
        seq, prev_hash = _chain_head()
        now = timezone.now()
        request_id = get_request_id()
        rows = []
        for item in items:
            seq += 1
            row = _build_row(item, seq=seq, prev_hash=prev_hash, now=now, request_id=request_id)
            prev_hash = row.hash
            rows.append(row)
        AuditEvent.objects.bulk_create(rows, batch_size=500)
    return rows


def checkpoint_write() -> AuditCheckpoint | None:
    """Sign the current head of the chain; None when there is nothing new to sign."""
    key = checkpoint_key()
    with transaction.atomic():
        _lock_chain_head()
        head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        if head is None:
            return None
        latest = AuditCheckpoint.objects.order_by("-seq", "-id").first()
        if latest and latest.seq == head[0]:
            return None
        signed_at = timezone.now()
        return AuditCheckpoint.objects.create(
            seq=head[0],
            hash=head[1],
            signed_at=signed_at,
            key_id=key_id(key),
            signature=checkpoint_signature(key, seq=head[0], head_hash=head[1], signed_at=signed_at),
        )


def checkpoint_signature(key: bytes, *, seq: int, head_hash: str, signed_at: Any) -> str:
    from civitas.audit.chain import format_time

    message = f"{seq}:{head_hash}:{format_time(signed_at)}".encode()
    return hmac.new(key, message, sha256).hexdigest()


def _build_row(item: PendingEvent, *, seq: int, prev_hash: str, now: Any, request_id: str) -> AuditEvent:
    payload = canonical_json({"changes": dict(item.changes), "context": dict(item.context)})
    digest = row_hash(
        seq=seq,
        prev_hash=prev_hash,
        occurred_at=now,
        action=item.action,
        actor_id=item.actor_id,
        object_type=item.object_type,
        object_id=item.object_id,
        person_id=item.person_id,
        payload=payload,
        request_id=request_id,
    )
    return AuditEvent(
        seq=seq,
        occurred_at=now,
        action=item.action,
        actor_id=item.actor_id,
        object_type=item.object_type,
        object_id=item.object_id,
        person_id=item.person_id,
        payload=payload,
        request_id=request_id,
        prev_hash=prev_hash,
        hash=digest,
    )


def _chain_head() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {AuditEvent._meta.db_table} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def _lock_chain_head() -> None:
    """Serialise appends: PostgreSQL advisory lock; SQLite already holds its write lock (IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _actor_id(actor: Any) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return int(actor.pk)


def _check_actions(items: list[PendingEvent]) -> None:
    for item in items:
        if item.action.count(":") != 2:
            raise ValueError(f"audit action {item.action!r} must read source:subject:action")
