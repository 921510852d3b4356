"""Opaque keyset cursors: base64url of a small JSON list. A cursor that does not decode is a 400 problem."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja.errors import HttpError

MAX_CURSOR_LENGTH = 200
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise HttpError(400, "The cursor is not one this API gave out.") from None
    if not isinstance(values, list):
        raise HttpError(400, "The cursor is not one this API gave out.")
    return values


def decode_time_id(cursor: str | None) -> tuple[datetime, int] | None:
    """A (created_at, id) cursor, or None for the first page."""
    if not cursor:
        return None
    values = decode_cursor(cursor)
    try:
        created, pk = values
        return datetime.fromisoformat(str(created)), _positive(pk)
    except (TypeError, ValueError):
        raise HttpError(400, "The cursor is not one this API gave out.") from None


def decode_int(cursor: str | None) -> int | None:
    if not cursor:
        return None
    values = decode_cursor(cursor)
    try:
        (value,) = values
        return _positive(value)
    except (TypeError, ValueError):
        raise HttpError(400, "The cursor is not one this API gave out.") from None


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError
    return value


def next_link(request: HttpRequest, cursor: str | None) -> str | None:
    """The current URL with `cursor` replaced (every other query parameter kept)."""
    if cursor is None:
        return None
    params = [(key, value) for key, value in request.GET.items() if key != "cursor"]
    params.append(("cursor", cursor))
    return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
