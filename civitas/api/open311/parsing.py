"""Reading Open311 parameters: W3C datetimes, comma lists, page numbers, booleans, `attribute[CODE]` fields."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from civitas.core.errors import ValidationError

MAX_PARAM_LENGTH = 10_000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")
# "2026-01-01T00:00:00 05:00": a "+" sent unencoded in a query string arrives as a space.
_SPACED_OFFSET = re.compile(r"(T[\d:.]+) (\d\d:?\d\d)$")


def text(params: QueryDict, name: str, *, limit: int = MAX_PARAM_LENGTH) -> str:
    value = params.get(name, "") or ""
    if len(value) > limit:
        raise ValidationError(f"{name} is too long (at most {limit} characters).", field=name)
    if "\x00" in value:
        raise ValidationError(f"{name} contains a NUL character.", field=name)
    return value.strip()


def w3c_datetime(params: QueryDict, name: str) -> datetime | None:
    """A W3C datetime (2010-01-01T00:00:00Z, with an offset, or a date); a missing offset means local time."""
    value = text(params, name, limit=64)
    if not value:
        return None
    value = _SPACED_OFFSET.sub(r"\1+\2", value)
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(f"{name} is not a W3C datetime such as 2026-01-01T00:00:00Z.", field=name)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def comma_list(params: QueryDict, name: str, *, limit: int = 1000) -> tuple[str, ...]:
    items = [item.strip() for item in text(params, name).split(",") if item.strip()]
    if len(items) > limit:
        raise ValidationError(f"{name}: at most {limit} values.", field=name)
    return tuple(dict.fromkeys(items))


def statuses(params: QueryDict) -> tuple[str, ...]:
    values = tuple(value.lower() for value in comma_list(params, "status"))
    wrong = [value for value in values if value not in ("open", "closed")]
    if wrong:
        raise ValidationError("status must be open or closed (or both, comma separated).", field="status")
    return values


def positive_int(params: QueryDict, name: str, *, default: int, maximum: int) -> int:
    value = text(params, name, limit=12)
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValidationError(f"{name} must be a whole number of at least 1.", field=name)
    if int(value) > maximum:
        raise ValidationError(f"{name} may be at most {maximum}.", field=name)
    return int(value)


def flag(params: QueryDict, name: str) -> bool:
    return text(params, name, limit=10).lower() in ("true", "1", "yes")


def attributes(form: QueryDict) -> dict[str, Any]:
    """`attribute[CODE]=v` → {CODE: "v"}; `attribute[CODE][]=a&attribute[CODE][]=b` → {CODE: ["a", "b"]}."""
    answers: dict[str, Any] = {}
    for key in form:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        values = form.getlist(key)
        code = match.group(1)
        if match.group(2) or len(values) > 1:
            existing = answers.get(code)
            answers[code] = (existing if isinstance(existing, list) else []) + values
        else:
            answers[code] = values[0]
    return answers
