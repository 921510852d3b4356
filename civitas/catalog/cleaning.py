"""Cleaning the catalogue configuration that services receive (codes, names, keywords, targets…).

Each cleaner takes the raw value and the field name, and returns the value to store or
raises civitas.core.errors.ValidationError naming the field. Translatable fields may be given
as `<field>` (the default language) or `<field>_<lang>` for any configured language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.models import Model, TextChoices
from modeltranslation.settings import AVAILABLE_LANGUAGES, DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname

from civitas.catalog.models import (
    CODE_MAX_LENGTH,
    CODE_PATTERN,
    MAX_DUPLICATE_RADIUS_M,
    VALUE_KEY_MAX_LENGTH,
    AttributeDatatype,
)
from civitas.core.errors import ValidationError

Cleaner = Callable[[Any, str], Any]

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
HINT_MAX_LENGTH = 255
KEYWORDS_MAX_LENGTH = 4000
MAX_TARGET_HOURS = 24 * 365 * 5
_CODE_RE = re.compile(CODE_PATTERN)
_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")


def localized(field: str, language: str = DEFAULT_LANGUAGE) -> str:
    return build_localized_fieldname(field, language)


def translatable_names(fields: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{accepted input name: (base field, language)} for `fields`, e.g. name, name_en, name_es."""
    names: dict[str, tuple[str, str]] = {}
    for field in fields:
        names[field] = (field, DEFAULT_LANGUAGE)
        for language in AVAILABLE_LANGUAGES:
            names[localized(field, language)] = (field, language)
    return names


def split_translations(fields: Mapping[str, Any], translatable: Iterable[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate translatable input into {"name_en": …, "name_es": …} and the rest.

    `name` and `name_en` (default language) both land on `name_en`; giving both is refused.
    """
    names = translatable_names(translatable)
    texts: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in names:
            plain[key] = value
            continue
        column = localized(*names[key])
        if column in texts:
            raise ValidationError(f"Give {key} only once (as {names[key][0]} or {column}).", field=key)
        texts[column] = value
    return texts, plain


def refuse_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(f"Unknown field(s): {', '.join(unknown)}.", field=unknown[0])


# --- cleaners -------------------------------------------------------------------------------------


def clean_code(value: Any, field: str = "code") -> str:
    code = value.strip() if isinstance(value, str) else ""
    if not code:
        raise ValidationError("A code is required.", field=field)
    if len(code) > CODE_MAX_LENGTH:
        raise ValidationError(f"The code must be at most {CODE_MAX_LENGTH} characters.", field=field)
    if not _CODE_RE.match(code):
        raise ValidationError(
            "The code may use only letters, digits, hyphens (-), underscores (_) and dots (.).", field=field
        )
    return code


def clean_slug(value: Any, field: str = "code", max_length: int = 60) -> str:
    code = value.strip() if isinstance(value, str) else ""
    if not code or len(code) > max_length or not _SLUG_RE.match(code):
        raise ValidationError(f"The code must be 1–{max_length} letters, digits, hyphens or underscores.", field=field)
    return code


def text_cleaner(*, max_length: int, required: bool = False, single_line: bool = False) -> Cleaner:
    def clean(value: Any, field: str) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValidationError("Enter text.", field=field)
        text = " ".join(value.split()) if single_line else value.strip()
        if "\x00" in text:
            raise ValidationError("The text contains a character that is not allowed.", field=field)
        if required and not text:
            raise ValidationError(f"{_label(field)} is required.", field=field)
        if len(text) > max_length:
            raise ValidationError(f"{_label(field)} must be at most {max_length} characters.", field=field)
        return text

    return clean


def clean_keywords(value: Any, field: str = "keywords") -> str:
    """Comma-separated words or phrases, trimmed, without blanks or case-insensitive repeats."""
    if isinstance(value, list | tuple):
        value = ",".join(str(item) for item in value)
    text = text_cleaner(max_length=KEYWORDS_MAX_LENGTH)(value, field)
    seen: set[str] = set()
    words: list[str] = []
    for word in (" ".join(part.split()) for part in text.split(",")):
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    return ", ".join(words)


def clean_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{_label(field)} must be true or false.", field=field)
    return value


def clean_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{_label(field)} must be a whole number.", field=field)
    return value


def int_cleaner(*, minimum: int, maximum: int, nullable: bool = False) -> Cleaner:
    def clean(value: Any, field: str) -> int | None:
        if value is None and nullable:
            return None
        number = clean_int(value, field)
        if not minimum <= number <= maximum:
            raise ValidationError(f"{_label(field)} must be between {minimum} and {maximum}.", field=field)
        return number

    return clean


def choice_cleaner(choices: type[TextChoices]) -> Cleaner:
    def clean(value: Any, field: str) -> str:
        if value not in choices.values:
            raise ValidationError(f"{_label(field)} must be one of: {', '.join(choices.values)}.", field=field)
        return str(value)

    return clean


def instance_cleaner(model: type[Model], *, nullable: bool = False, active: bool = True) -> Cleaner:
    """Accept a saved instance of `model` (active, when the model has is_active), or None if nullable."""

    def clean(value: Any, field: str) -> Model | None:
        if value is None and nullable:
            return None
        if not isinstance(value, model) or value.pk is None:
            raise ValidationError(f"Choose a {model._meta.verbose_name}.", field=field)
        if active and not getattr(value, "is_active", True):
            raise ValidationError(f"{value} is not active.", field=field)
        return value

    return clean


def instances_cleaner(model: type[Model]) -> Cleaner:
    def clean(value: Any, field: str) -> list[Model]:
        if value is None:
            return []
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ValidationError(f"Give a list of {model._meta.verbose_name_plural}.", field=field)
        items = list(value)
        for item in items:
            instance_cleaner(model, active=False)(item, field)
        return list({item.pk: item for item in items}.values())

    return clean


clean_target_hours = int_cleaner(minimum=1, maximum=MAX_TARGET_HOURS, nullable=True)
clean_radius = int_cleaner(minimum=0, maximum=MAX_DUPLICATE_RADIUS_M)
clean_order = int_cleaner(minimum=-1_000_000, maximum=1_000_000)


def clean_value_key(value: Any, field: str = "values") -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    key = value.strip() if isinstance(value, str) else ""
    if not key:
        raise ValidationError("Every value needs a key.", field=field)
    if len(key) > VALUE_KEY_MAX_LENGTH or any(ord(char) < 32 for char in key):
        raise ValidationError(
            f"The value key {key[:40]!r} must be at most {VALUE_KEY_MAX_LENGTH} printable characters.", field=field
        )
    return key


# --- rules across fields (used by services and the admin forms) -------------------------------------


def check_default_team(team: Any, department_id: int | None) -> None:
    if team is None:
        return
    if team.department_id != department_id:
        raise ValidationError("The default team must belong to the service's department.", field="default_team")
    if not team.is_active:
        raise ValidationError(f"The team {team.name} is not active.", field="default_team")


def check_targets(response_hours: int | None, resolution_hours: int | None) -> None:
    if response_hours is not None and resolution_hours is not None and resolution_hours < response_hours:
        raise ValidationError(
            "The resolution target cannot be shorter than the response target.", field="resolution_target_hours"
        )


def check_values_for_datatype(datatype: str, value_count: int) -> None:
    """List datatypes need at least one value to choose from; the others take none."""
    if datatype in AttributeDatatype.list_types() and value_count == 0:
        raise ValidationError(f"A {datatype} attribute needs at least one value to choose from.", field="values")
    if datatype not in AttributeDatatype.list_types() and value_count:
        raise ValidationError(f"A {datatype} attribute takes no list of values.", field="values")


def check_required_variable(*, required: bool, variable: bool) -> None:
    if required and not variable:
        raise ValidationError("An attribute that asks for no input cannot be required.", field="required")


def clean_translations(texts: Mapping[str, Any], cleaners: Mapping[str, Cleaner], *, partial: bool) -> dict[str, Any]:
    """Clean `<field>_<lang>` input. A required field is checked in the default language only."""
    cleaned: dict[str, Any] = {}
    for column, value in texts.items():
        base, language = _split_column(column, cleaners)
        cleaner = cleaners[base]
        if language != DEFAULT_LANGUAGE:
            cleaner = _optional(cleaner)
        cleaned[column] = cleaner(value, column)
    if not partial:
        for base, cleaner in cleaners.items():
            column = localized(base)
            if column not in cleaned:
                cleaned[column] = cleaner("", column)
    return cleaned


def _optional(cleaner: Cleaner) -> Cleaner:
    def clean(value: Any, field: str) -> Any:
        # None, not "": modeltranslation falls back to the default language only for None.
        return None if value is None or (isinstance(value, str) and not value.strip()) else cleaner(value, field)

    return clean


def _split_column(column: str, cleaners: Mapping[str, Cleaner]) -> tuple[str, str]:
    for base in cleaners:
        for language in AVAILABLE_LANGUAGES:
            if column == localized(base, language):
                return base, language
    raise ValidationError(f"Unknown field {column}.", field=column)


def _label(field: str) -> str:
    for language in AVAILABLE_LANGUAGES:
        suffix = f"_{language.replace('-', '_')}"
        if field.endswith(suffix):
            return f"{_label(field[: -len(suffix)])} ({language})"
    return field.replace("_", " ").capitalize()
