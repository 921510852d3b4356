"""Per-process cache of service definitions for the case-intake hot path.

Every intake (portal, Open311, email, import) needs the service type and its attributes. Reading
them through the ORM costs more than the rest of `case_create` together, so each process keeps
them in memory, stamped with the catalogue version. The version is one row, set to a new random stamp in the
same transaction as any change to a catalogue row (see apps.py), so a process never uses a
definition older than the last committed change; checking it is one primary-key read.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import connection

from civitas.catalog.models import ServiceAttribute, ServiceType
from civitas.core.models import ReferenceCounter

_TABLE = ReferenceCounter._meta.db_table
_KEY = ("~catalog", 0)  # a counter row of its own in the core counter table


@dataclass(frozen=True)
class Definition:
    version: int
    service_type: ServiceType
    attributes: list[ServiceAttribute]


_cache: dict[str, Definition] = {}


def catalog_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {_TABLE} WHERE prefix = %s AND year = %s", list(_KEY))  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def bump_catalog_version(**_: Any) -> None:
    """Mark every cached definition stale (called on any catalogue change, in its transaction).

    The version is a fresh random number, not a count: a change that rolls back and another that
    commits must never end up with the same version (a count would repeat after the rollback).
    """
    stamp = secrets.randbits(62)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET value = %s WHERE prefix = %s AND year = %s",  # noqa: S608 - table name from the model
            [stamp, *_KEY],
        )
        if cursor.rowcount == 0:
            cursor.execute(
                f"INSERT INTO {_TABLE} (prefix, year, value) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT (prefix, year) DO UPDATE SET value = excluded.value",
                [*_KEY, stamp],
            )


def service_definition(code: str) -> Definition | None:
    """The service type with this code and its active attributes (values prefetched), or None."""
    from civitas.catalog.selectors import attributes_for, service_type_for_intake

    code = (code or "").strip()
    if not code or "\x00" in code or len(code) > 200:
        return None  # no such code can exist (and PostgreSQL refuses NUL in text)
    version = catalog_version()
    cached = _cache.get(code)
    if cached is not None and cached.version == version:
        return cached
    service_type = service_type_for_intake(code)
    if service_type is None:
        _cache.pop(code, None)
        return None
    definition = Definition(version=version, service_type=service_type, attributes=list(attributes_for(service_type)))
    _cache[code] = definition
    return definition


def clear() -> None:
    _cache.clear()
