"""Normalising emails and phone numbers (E.164 through `phonenumbers`)."""

from __future__ import annotations

import phonenumbers
import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from civitas.core.errors import ValidationError
from civitas.people.normalise import guess_contact, normalise_contact, normalise_email, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ana@example.org", "ana@example.org"),
        ("  Ana.Reyes@Example.ORG \n", "ana.reyes@example.org"),
        ("ANA+311@EXAMPLE.ORG", "ana+311@example.org"),
    ],
)
def test_email_is_stripped_and_lower_cased(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "ana", "ana@", "@example.org", "ana@@example.org", "a b@example.org"])
def test_bad_email_is_refused_naming_the_field(raw):
    with pytest.raises(ValidationError) as caught:
        normalise_email(raw)
    assert caught.value.field == "email"
    assert caught.value.message


def test_overlong_email_and_non_text_are_refused():
    with pytest.raises(ValidationError, match="too long"):
        normalise_email("a" * 250 + "@example.org")
    with pytest.raises(ValidationError):
        normalise_email(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [
        "617-635-4500",
        "(617) 635-4500",
        "617.635.4500",
        "6176354500",
        "+1 617 635 4500",
        "1-617-635-4500",
        "６１７６３５４５００",
    ],
)
def test_us_numbers_become_e164(raw):
    assert normalise_phone(raw) == "+16176354500"


def test_a_plus_country_code_wins_over_the_default_region():
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


def test_region_argument_and_setting_read_local_numbers():
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"
    with override_settings(PHONE_DEFAULT_REGION="GB"):
        assert normalise_phone("020 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "Enter a phone number"),
        ("   ", "Enter a phone number"),
        ("12345", "valid phone number"),
        ("not a number", "valid phone number"),
        ("617-635-450", "valid phone number"),  # one digit short
        ("+1 999 635 4500", "valid phone number"),  # no such area code
        ("617-635-4500 ext. 12", "extension"),
        ("1" * 80, "too long"),
    ],
)
def test_bad_phone_numbers_are_refused_with_a_clear_message(raw, why):
    with pytest.raises(ValidationError, match=why) as caught:
        normalise_phone(raw)
    assert caught.value.field == "phone"


def test_a_local_number_with_an_unknown_region_asks_for_the_country_code():
    with pytest.raises(ValidationError, match="country code"):
        normalise_phone("6176354500", region="ZZ")


@pytest.mark.parametrize("region", ["US", "GB", "ES", "MX", "DE", "IN"])
@pytest.mark.parametrize(
    "style", [phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL]
)
def test_every_written_form_of_a_number_gives_the_same_e164(region, style):
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    written = phonenumbers.format_number(number, style)
    assert normalise_phone(written, region=region) == e164
    assert normalise_phone(e164) == e164  # idempotent


@given(st.text(max_size=80))
def test_any_text_either_normalises_to_e164_or_raises_validation_error(text):
    try:
        value = normalise_phone(text)
    except ValidationError as exc:
        assert exc.field == "phone"
    else:
        assert value.startswith("+")
        assert value[1:].isdigit()
        assert normalise_phone(value) == value


@given(st.emails())
def test_any_valid_email_normalises_idempotently(email):
    try:
        value = normalise_email(email)
    except ValidationError:
        return  # hypothesis emails include forms Django's validator refuses (e.g. IP domains)
    assert value == value.strip().lower()
    assert normalise_email(value) == value


def test_normalise_contact_dispatches_on_kind_and_refuses_unknown_kinds():
    assert normalise_contact("email", "A@B.ORG") == "a@b.org"
    assert normalise_contact("phone", "617 635 4500") == "+16176354500"
    with pytest.raises(ValidationError) as caught:
        normalise_contact("fax", "617 635 4500")
    assert caught.value.field == "kind"


def test_guess_contact_reads_search_text():
    assert guess_contact("Ana@Example.org") == ("email", "ana@example.org")
    assert guess_contact("(617) 635-4500") == ("phone", "+16176354500")
    assert guess_contact("Reyes") is None
