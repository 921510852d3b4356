"""Idempotent API writes: the first answer to a POST with an `Idempotency-Key` is kept and given again.

`idempotency_claim` either claims the (API key, Idempotency-Key) pair for a new request (a row with no
status yet), or returns the stored answer of an earlier request with the same body. The same key with a
different request is refused (ValidationError → 422); a key whose first request is still running is a
conflict (IdempotencyInProgress → 409). Records expire after settings.API_IDEMPOTENCY_HOURS
(`idempotency_records_expire`, run on a schedule).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from civitas.core.errors import DomainError, ValidationError
from civitas.integrations.models import ApiKey, IdempotencyRecord

MAX_KEY_LENGTH = 255
# A claim with no answer after this long belongs to a request whose process died: a retry takes it over.
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyInProgress(DomainError):
    code = "idempotency_in_progress"


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord
    replay: bool  # True: `record` holds the earlier answer; False: the caller runs the request and stores it


def request_digest(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def clean_idempotency_key(value: str) -> str:
    key = (value or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable ASCII characters.", field="Idempotency-Key"
        )
    return key


def _expired_before() -> datetime:
    return timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def idempotency_claim(*, api_key: ApiKey, key: str, method: str, path: str, body: bytes) -> Claim:
    key = clean_idempotency_key(key)
    digest = request_digest(method, path, body)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    api_key=api_key, key=key, method=method.upper()[:8], path=path[:300], request_hash=digest
                )
            return Claim(record=record, replay=False)
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(api_key=api_key, key=key).first()
        if existing is None:
            continue  # released between our insert and our read: try again
        if _stale(existing):
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        return _existing_claim(existing, digest)
    raise IdempotencyInProgress("A request with this Idempotency-Key is being processed; retry shortly.")


def _stale(record: IdempotencyRecord) -> bool:
    if record.created_at < _expired_before():
        return True
    return record.status_code is None and record.created_at < timezone.now() - ABANDONED_AFTER


def _existing_claim(existing: IdempotencyRecord, digest: str) -> Claim:
    if existing.request_hash != digest:
        raise ValidationError(
            "This Idempotency-Key was already used with a different request.",
            field="Idempotency-Key",
            code="idempotency_mismatch",
        )
    if existing.status_code is None:
        raise IdempotencyInProgress("A request with this Idempotency-Key is being processed; retry shortly.")
    return Claim(record=existing, replay=True)


def idempotency_store(*, record: IdempotencyRecord, status_code: int, body: bytes, content_type: str) -> None:
    """Keep the answer the claimed request got."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status_code, response_body=body, content_type=content_type[:100]
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget a claim whose request failed on our side (a retry may run it again)."""
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def idempotency_records_expire() -> int:
    """Delete records older than settings.API_IDEMPOTENCY_HOURS; the number deleted."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=_expired_before()).delete()
    return deleted
