"""Public references such as SR-2026-000123 and unguessable tracking tokens."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import connection

from civitas.core.models import ReferenceCounter

REFERENCE_DIGITS = 6
_TABLE = ReferenceCounter._meta.db_table


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:0{REFERENCE_DIGITS}d}"


def reserve_numbers(*, year: int, count: int = 1, prefix: str | None = None) -> range:
    """Atomically reserve `count` consecutive numbers for `year`; returns them as a range.

    One `UPDATE … RETURNING` (both databases): the row lock it takes is held until the
    caller's transaction ends, so numbers are never handed out twice. The first number of a
    new year inserts its counter row (ON CONFLICT keeps two first-comers from clashing).
    """
    prefix = prefix or settings.CIVITAS_REFERENCE_PREFIX
    with connection.cursor() as cursor:
        last = _bump(cursor, prefix, year, count)
        if last is None:
            cursor.execute(
                f"INSERT INTO {_TABLE} (prefix, year, value) VALUES (%s, %s, 0) "  # noqa: S608
                "ON CONFLICT (prefix, year) DO NOTHING",
                [prefix, year],
            )
            last = _bump(cursor, prefix, year, count)
    assert last is not None
    return range(last - count + 1, last + 1)


def _bump(cursor, prefix: str, year: int, count: int) -> int | None:
    cursor.execute(
        f"UPDATE {_TABLE} SET value = value + %s WHERE prefix = %s AND year = %s RETURNING value",  # noqa: S608
        [count, prefix, year],
    )
    row = cursor.fetchone()
    return int(row[0]) if row else None


def next_reference(*, year: int, prefix: str | None = None) -> str:
    prefix = prefix or settings.CIVITAS_REFERENCE_PREFIX
    (number,) = reserve_numbers(year=year, count=1, prefix=prefix)
    return format_reference(prefix, year, number)


def new_token(nbytes: int = 24) -> str:
    """An unguessable URL-safe token (192 bits by default)."""
    return secrets.token_urlsafe(nbytes)
