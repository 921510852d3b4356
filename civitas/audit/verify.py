"""Proving the audit chain: every row's hash, every link, every checkpoint signature."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field

from civitas.audit.chain import GENESIS_HASH, row_hash
from civitas.audit.keys import checkpoint_key, key_id
from civitas.audit.models import AuditCheckpoint, AuditEvent
from civitas.audit.services import checkpoint_signature

CHUNK = 20_000
_FIELDS = (
    "seq",
    "prev_hash",
    "occurred_at",
    "action",
    "actor_id",
    "object_type",
    "object_id",
    "person_id",
    "payload",
    "request_id",
    "hash",
)


@dataclass
class VerifyResult:
    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows() -> Iterator[tuple]:
    """All events in seq order, read in keyset chunks (fast on both databases)."""
    after = -1
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=after).order_by("seq").values_list(*_FIELDS)[:CHUNK])
        if not chunk:
            return
        yield from chunk
        after = chunk[-1][0]


def verify_chain(result: VerifyResult) -> dict[int, str]:
    """Check links and hashes; returns {seq: hash} only for checkpointed seqs (looked up later)."""
    wanted = set(AuditCheckpoint.objects.values_list("seq", flat=True))
    seen: dict[int, str] = {}
    expected_seq, prev = 1, GENESIS_HASH
    for seq, prev_hash, occurred_at, action, actor_id, otype, oid, person_id, payload, request_id, digest in _rows():
        result.events += 1
        problem = None
        if seq != expected_seq:
            problem = f"row #{seq}: expected sequence number {expected_seq} (a row is missing or was inserted)"
        elif prev_hash != prev:
            problem = (
                f"row #{seq}: its previous-hash does not match row #{seq - 1} (rows deleted, inserted or reordered)"
            )
        else:
            computed = row_hash(
                seq=seq,
                prev_hash=prev_hash,
                occurred_at=occurred_at,
                action=action,
                actor_id=actor_id,
                object_type=otype,
                object_id=oid,
                person_id=person_id,
                payload=payload,
                request_id=request_id,
            )
            if computed != digest:
                problem = f"row #{seq}: its content does not match its hash (the row was changed)"
        if problem:
            result.problems.append(problem)
            result.first_bad_seq = seq
            return seen
        if seq in wanted:
            seen[seq] = digest
        expected_seq, prev = seq + 1, digest
    return seen


def verify_checkpoints(result: VerifyResult, hashes: dict[int, str], *, last_seq: int) -> None:
    key = checkpoint_key()
    kid = key_id(key)
    for checkpoint in AuditCheckpoint.objects.order_by("seq", "id"):
        result.checkpoints += 1
        if checkpoint.key_id != kid:
            result.problems.append(f"checkpoint at #{checkpoint.seq} was signed with another key ({checkpoint.key_id})")
            continue
        expected = checkpoint_signature(
            key, seq=checkpoint.seq, head_hash=checkpoint.hash, signed_at=checkpoint.signed_at
        )
        if not hmac.compare_digest(expected, checkpoint.signature):
            result.problems.append(f"checkpoint at #{checkpoint.seq}: signature is not valid (checkpoint forged)")
        elif checkpoint.seq > last_seq:
            result.problems.append(
                f"checkpoint at #{checkpoint.seq}: the chain now ends at #{last_seq} (rows deleted from the end)"
            )
        elif hashes.get(checkpoint.seq) != checkpoint.hash:
            result.problems.append(
                f"checkpoint at #{checkpoint.seq}: row #{checkpoint.seq} no longer has the signed hash"
            )


def verify_audit() -> VerifyResult:
    result = VerifyResult()
    hashes = verify_chain(result)
    if result.ok:
        verify_checkpoints(result, hashes, last_seq=result.events)
    return result
