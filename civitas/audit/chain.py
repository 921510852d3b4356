"""Canonical form and hashing of audit rows (shared by writing and verifying)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, dates/decimals/uuids as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(
    *,
    seq: int,
    prev_hash: str,
    occurred_at: datetime,
    action: str,
    actor_id: int | None,
    object_type: str,
    object_id: str,
    person_id: int | None,
    payload: str,
    request_id: str,
) -> str:
    line = "\x1f".join(
        [
            str(seq),
            prev_hash,
            format_time(occurred_at),
            action,
            "" if actor_id is None else str(actor_id),
            object_type,
            object_id,
            "" if person_id is None else str(person_id),
            payload,
            request_id,
        ]
    )
    return hashlib.sha256(line.encode("utf-8")).hexdigest()
