"""Checking the answers a request carries for its service type's attributes (Open311 `attribute[code]`).

`clean_attribute_values()` returns JSON-safe values keyed by attribute code, ready to be stored
on a case. It checks every answer and raises one `AttributeValidationError` listing all problems
(`errors`), whose `field` and `message` describe the first one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from civitas.catalog.models import AttributeDatatype, ServiceAttribute, ServiceType
from civitas.catalog.selectors import attributes_for
from civitas.core.errors import ValidationError

STRING_MAX_LENGTH = 255
TEXT_MAX_LENGTH = 4000
# Integers beyond this lose precision in JavaScript clients and some JSON parsers.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_NUMBER_LENGTH = 64
MAX_LIST_CHOICES = 100
MAX_ANSWERS = 200
MAX_UNKNOWN_CODE_SHOWN = 100

Problem = tuple[str, str]  # (field, message)


class AttributeValidationError(ValidationError):
    """One or more attribute answers are wrong. `errors` lists every (field, message)."""

    def __init__(self, errors: Sequence[Problem]) -> None:
        if not errors:
            raise ValueError("AttributeValidationError needs at least one error")
        field, message = errors[0]
        super().__init__(message, field=field)
        self.errors: list[Problem] = list(errors)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(super().as_dict())
        data["errors"] = [{"field": field, "message": message} for field, message in self.errors]
        return data


class _AnswerError(Exception):
    """Raised by a datatype cleaner; carries the message shown for that attribute."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def field_name(code: str) -> str:
    """The name interfaces use for an attribute answer (as in Open311: attribute[code])."""
    return f"attribute[{code}]"


def clean_attribute_values(
    service_type: ServiceType,
    raw: Mapping[str, Any] | None,
    *,
    attributes: Iterable[ServiceAttribute] | None = None,
) -> dict[str, Any]:
    """Validate answers against `service_type`'s active attributes; return the cleaned answers.

    Empty answers to optional attributes are left out. `attributes` may be passed when the
    caller already holds them (with `values` prefetched) to save a query.
    """
    answers = {str(key): value for key, value in (raw or {}).items()}
    if len(answers) > MAX_ANSWERS:
        raise AttributeValidationError([("attributes", _("Too many answers were sent."))])
    known = list(attributes if attributes is not None else attributes_for(service_type))
    cleaned: dict[str, Any] = {}
    problems: list[Problem] = []
    for attribute in known:
        _clean_one(attribute, answers.get(attribute.code), cleaned, problems)
    known_codes = {attribute.code for attribute in known}
    problems.extend(_unknown(code) for code in answers if code not in known_codes)
    if problems:
        raise AttributeValidationError(problems)
    return cleaned


def _unknown(code: str) -> Problem:
    shown = code[:MAX_UNKNOWN_CODE_SHOWN]
    return field_name(shown), _("%(code)s is not a question of this service.") % {"code": shown}


def _clean_one(attribute: ServiceAttribute, value: Any, cleaned: dict[str, Any], problems: list[Problem]) -> None:
    field = field_name(attribute.code)
    label = attribute.label
    if is_empty(value):
        if attribute.required and attribute.variable:
            problems.append((field, _("%(name)s is required.") % {"name": label}))
        return
    if not attribute.variable:
        problems.append((field, _("%(name)s is information only and takes no answer.") % {"name": label}))
        return
    try:
        cleaned[attribute.code] = CLEANERS[attribute.datatype](attribute, value)
    except _AnswerError as problem:
        problems.append((field, problem.message))


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(is_empty(item) for item in value)
    return False


# --- one cleaner per datatype -------------------------------------------------------------------


def clean_string(attribute: ServiceAttribute, value: Any) -> str:
    text = _as_text(attribute, value)
    if "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return _check_length(attribute, text, STRING_MAX_LENGTH)


def clean_text(attribute: ServiceAttribute, value: Any) -> str:
    text = _as_text(attribute, value).replace("\r\n", "\n").replace("\r", "\n")
    return _check_length(attribute, text, TEXT_MAX_LENGTH)


def clean_number(attribute: ServiceAttribute, value: Any) -> int | float:
    number = _to_number(value)
    if number is None:
        raise _AnswerError(_("%(name)s must be a number.") % {"name": attribute.label})
    if abs(number) > MAX_SAFE_INTEGER:
        raise _AnswerError(_("%(name)s is too large.") % {"name": attribute.label})
    return number


def clean_datetime(attribute: ServiceAttribute, value: Any) -> str:
    moment = _to_datetime(value)
    if moment is None:
        raise _AnswerError(
            _("%(name)s must be a date and time, such as 2026-03-31T14:30:00-04:00.") % {"name": attribute.label}
        )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, ValueError):  # e.g. year 9999 pushed past the end of the calendar
        raise _AnswerError(_("%(name)s is not a possible date.") % {"name": attribute.label}) from None


def clean_single_choice(attribute: ServiceAttribute, value: Any) -> str:
    if isinstance(value, list | tuple):
        choices = [item for item in value if not is_empty(item)]
        if len(choices) != 1:
            raise _AnswerError(_("Choose only one answer for %(name)s.") % {"name": attribute.label})
        value = choices[0]
    key = _as_key(value)
    keys = _value_keys(attribute)
    if key not in keys:
        raise _AnswerError(_one_of_message(attribute, keys))
    return key


def clean_multi_choice(attribute: ServiceAttribute, value: Any) -> list[str]:
    items = [value] if isinstance(value, str | int) else value
    if not isinstance(items, list | tuple | set | frozenset):
        raise _AnswerError(_one_of_message(attribute, _value_keys(attribute)))
    chosen = {_as_key(item) for item in items if not is_empty(item)}
    if len(chosen) > MAX_LIST_CHOICES:
        raise _AnswerError(_("Too many answers for %(name)s.") % {"name": attribute.label})
    keys = _value_keys(attribute)
    unknown = chosen - set(keys)
    if unknown:
        raise _AnswerError(_one_of_message(attribute, keys))
    return [key for key in keys if key in chosen]  # the attribute's own order: stable and distinct


CLEANERS: dict[str, Callable[[ServiceAttribute, Any], Any]] = {
    AttributeDatatype.STRING: clean_string,
    AttributeDatatype.NUMBER: clean_number,
    AttributeDatatype.DATETIME: clean_datetime,
    AttributeDatatype.TEXT: clean_text,
    AttributeDatatype.SINGLEVALUELIST: clean_single_choice,
    AttributeDatatype.MULTIVALUELIST: clean_multi_choice,
}


# --- helpers --------------------------------------------------------------------------------------


def _as_text(attribute: ServiceAttribute, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _AnswerError(_("%(name)s must be text.") % {"name": attribute.label})
    try:
        text = str(value).strip()
    except ValueError:  # an integer too long to print
        raise _AnswerError(_("%(name)s is too long.") % {"name": attribute.label}) from None
    if any(_is_forbidden_char(char) for char in text):
        raise _AnswerError(_("%(name)s contains characters that are not allowed.") % {"name": attribute.label})
    return text


def _is_forbidden_char(char: str) -> bool:
    """Control characters other than tab and newlines (NUL cannot even be stored by PostgreSQL)."""
    code = ord(char)
    return (code < 32 and char not in "\t\n\r") or code == 127


def _check_length(attribute: ServiceAttribute, text: str, limit: int) -> str:
    if len(text) > limit:
        raise _AnswerError(
            _("%(name)s must be at most %(limit)d characters (it has %(length)d).")
            % {"name": attribute.label, "limit": limit, "length": len(text)}
        )
    return text


def _to_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        parsed = _parse_number(value.strip())
        if parsed is None or isinstance(parsed, int):
            return parsed
        number = parsed
    else:
        return None
    return number if math.isfinite(number) else None


def _parse_number(text: str) -> int | float | None:
    if not text or len(text) > MAX_NUMBER_LENGTH:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    if not any(char.isdigit() for char in text):
        return None  # refuses "nan", "inf", "infinity"
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _to_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > 40:
        return None
    try:
        return parse_datetime(text)
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None


def _as_key(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return "\x00"  # never a key: reported as "must be one of"
    if isinstance(value, int):
        return str(value) if abs(value) <= MAX_SAFE_INTEGER else "\x00"
    return value.strip()


def _value_keys(attribute: ServiceAttribute) -> list[str]:
    return [value.key for value in attribute.values.all()]


def _one_of_message(attribute: ServiceAttribute, keys: Sequence[str]) -> str:
    return _("%(name)s must be one of: %(keys)s.") % {"name": attribute.label, "keys": ", ".join(keys)}
