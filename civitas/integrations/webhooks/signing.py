"""Webhook bodies and signatures (Stripe-style).

The body is canonical JSON (sorted keys, compact, UTF-8), built once per delivery so every retry sends the same
bytes. The `Civitas-Signature` header reads `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`;
a receiver recomputes it with `verify_signature` (copy it, it needs only the standard library) and refuses
timestamps older than the tolerance, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

SIGNATURE_HEADER = "Civitas-Signature"
EVENT_HEADER = "Civitas-Event"
DELIVERY_HEADER = "Civitas-Delivery"
USER_AGENT = "Civitas-Webhooks/1"
DEFAULT_TOLERANCE_SECONDS = 300


def canonical_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The `Civitas-Signature` header value for `body`, signed now (or at `timestamp`)."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={stamp},v1={_digest(secret, stamp, body)}"


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp, signatures = None, []
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    return timestamp, signatures


def verify_signature(
    secret: str, header: str, body: bytes | str, tolerance: int = DEFAULT_TOLERANCE_SECONDS, *, now: float | None = None
) -> bool:
    """True when `header` signs exactly `body` with `secret`, at most `tolerance` seconds ago (or ahead)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    timestamp, signatures = _parse(header)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def request_headers(*, secret: str, body: bytes, event: str, event_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: event_id,
        SIGNATURE_HEADER: sign(secret, body),
    }
