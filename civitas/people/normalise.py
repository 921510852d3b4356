"""Normalising contact values, so one address or number is stored (and matched) one way.

Emails are stripped and lower-cased; phones become E.164 (`+16175550123`) through the
`phonenumbers` library, read in `settings.PHONE_DEFAULT_REGION` unless they carry a `+`
country code. Bad input raises `civitas.core.errors.ValidationError` naming the field.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from civitas.core.errors import ValidationError
from civitas.people.models import CONTACT_VALUE_MAX_LENGTH, ContactKind

PHONE_INPUT_MAX_LENGTH = 64  # generous for spaces and punctuation; E.164 itself is at most 16


def normalise_email(value: str) -> str:
    """`value` stripped and lower-cased, or ValidationError(field="email")."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Enter an email address.", field="email")
    email = value.strip().lower()
    if len(email) > CONTACT_VALUE_MAX_LENGTH:
        raise ValidationError("This email address is too long.", field="email")
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationError("Enter a valid email address, like name@example.com.", field="email") from None
    return email


def normalise_phone(value: str, region: str | None = None) -> str:
    """`value` as E.164, read in `region` (default settings.PHONE_DEFAULT_REGION), or ValidationError."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Enter a phone number.", field="phone")
    if len(value) > PHONE_INPUT_MAX_LENGTH:
        raise ValidationError("This phone number is too long.", field="phone")
    number = _parse_phone(value.strip(), region or settings.PHONE_DEFAULT_REGION)
    if number.extension:
        raise ValidationError("Enter the phone number without an extension.", field="phone")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "Enter a valid phone number, with the area code (or a + and the country code).", field="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_contact(kind: str, value: str, region: str | None = None) -> str:
    """Normalise `value` as a contact of `kind` ("email" or "phone")."""
    if kind == ContactKind.EMAIL:
        return normalise_email(value)
    if kind == ContactKind.PHONE:
        return normalise_phone(value, region)
    raise ValidationError(f"Unknown kind of contact {kind!r}: use email or phone.", field="kind")


def _parse_phone(value: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(value, region.upper())
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            message = "Start the number with + and the country code, or give a local number."
        else:
            message = "Enter a valid phone number, like 617-555-0123."
        raise ValidationError(message, field="phone") from None


def guess_contact(text: str, region: str | None = None) -> tuple[str, str] | None:
    """(kind, normalised value) when free text (a search box) is an email or a phone number, else None."""
    kind = ContactKind.EMAIL if "@" in text else ContactKind.PHONE
    try:
        return kind.value, normalise_contact(kind, text, region)
    except ValidationError:
        return None
