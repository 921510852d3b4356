"""Public references such as SR-2026-000123 and unguessable tracking tokens."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F

from civitas.core.models import ReferenceCounter

REFERENCE_DIGITS = 6


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:0{REFERENCE_DIGITS}d}"


def reserve_numbers(*, year: int, count: int = 1, prefix: str | None = None) -> range:
    """Atomically reserve `count` consecutive numbers for `year`; returns them as a range."""
    prefix = prefix or settings.CIVITAS_REFERENCE_PREFIX
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
        ReferenceCounter.objects.filter(prefix=prefix, year=year).update(value=F("value") + count)
        last = ReferenceCounter.objects.values_list("value", flat=True).get(prefix=prefix, year=year)
    return range(last - count + 1, last + 1)


def next_reference(*, year: int, prefix: str | None = None) -> str:
    prefix = prefix or settings.CIVITAS_REFERENCE_PREFIX
    (number,) = reserve_numbers(year=year, count=1, prefix=prefix)
    return format_reference(prefix, year, number)


def new_token(nbytes: int = 24) -> str:
    """An unguessable URL-safe token (192 bits by default)."""
    return secrets.token_urlsafe(nbytes)
