"""The append-only, hash-chained audit trail.

Every row carries `prev_hash` (the hash of the row before it) and its own `hash`, the
SHA-256 of a canonical line made of its sequence number, the previous hash and all of its
fields. Changing, deleting, inserting or reordering any row breaks the chain, which
`manage.py verify_audit` detects. Checkpoints sign (seq, hash) with an HMAC key that lives
outside the database, so even a rewrite of the whole chain is caught. On PostgreSQL a
trigger refuses UPDATE and DELETE on both tables (migration 0002).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    action = models.CharField(max_length=120, help_text="source:subject:action, e.g. service:case:create")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # audit_actor_idx (actor, seq) serves lookups by actor
        related_name="+",
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True, help_text="The person whose data this concerns.")
    payload = models.TextField(default="{}", help_text="Canonical JSON: changed fields (before/after), context.")
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_idx"),
            models.Index(fields=["person_id", "seq"], name="audit_person_idx"),
            models.Index(fields=["actor", "seq"], name="audit_actor_idx"),
            models.Index(fields=["occurred_at"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)

    @property
    def changes(self) -> dict[str, Any]:
        return self.data.get("changes", {})

    @property
    def context(self) -> dict[str, Any]:
        return self.data.get("context", {})


class AuditCheckpoint(models.Model):
    """An HMAC signature over the chain head at a moment; the key is never in the database."""

    seq = models.BigIntegerField(help_text="Sequence number of the last event covered.")
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16, help_text="First characters of the key's fingerprint.")
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return f"checkpoint at #{self.seq}"
