"""clean_attribute_values(): every Open311 datatype, required and unknown answers, collected errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from civitas.catalog.models import AttributeDatatype as D
from civitas.catalog.validation import AttributeValidationError, clean_attribute_values
from civitas.core.errors import ValidationError

SIZES = [("small", "Small"), ("medium", "Medium"), ("large", "Large")]
HAZARDS = [("glass", "Broken glass"), ("needles", "Needles"), ("chemicals", "Chemicals")]


def problem(service_type, raw) -> AttributeValidationError:
    with pytest.raises(AttributeValidationError) as caught:
        clean_attribute_values(service_type, raw)
    return caught.value


@pytest.mark.django_db
class TestString:
    @pytest.fixture
    def st(self, service_type, make_attribute):
        make_attribute(service_type, "pole_number", D.STRING, "Pole number")
        return service_type

    def test_valid_is_trimmed(self, st):
        assert clean_attribute_values(st, {"pole_number": "  A-1234 "}) == {"pole_number": "A-1234"}

    def test_numbers_become_text_and_newlines_collapse(self, st):
        assert clean_attribute_values(st, {"pole_number": 1234}) == {"pole_number": "1234"}
        assert clean_attribute_values(st, {"pole_number": "A\n12"}) == {"pole_number": "A 12"}

    def test_255_characters_is_the_limit(self, st):
        assert clean_attribute_values(st, {"pole_number": "x" * 255})["pole_number"] == "x" * 255
        error = problem(st, {"pole_number": "x" * 256})
        assert error.field == "attribute[pole_number]"
        assert error.message == "Pole number must be at most 255 characters (it has 256)."

    @pytest.mark.parametrize(
        "value", [{"a": 1}, True, ["a", "b"], "bad\x00byte", pytest.param(10**5000, id="huge-int")]
    )
    def test_invalid(self, st, value):
        assert problem(st, {"pole_number": value}).field == "attribute[pole_number]"


@pytest.mark.django_db
class TestText:
    @pytest.fixture
    def st(self, service_type, make_attribute):
        make_attribute(service_type, "details", D.TEXT, "Details")
        return service_type

    def test_valid_keeps_lines(self, st):
        text = "Line one\r\nLine two\n" + "x" * 3900
        assert clean_attribute_values(st, {"details": text}) == {"details": text.replace("\r\n", "\n")}

    def test_over_4000_characters(self, st):
        assert clean_attribute_values(st, {"details": "y" * 4000})["details"] == "y" * 4000
        assert "at most 4000" in problem(st, {"details": "y" * 4001}).message

    def test_not_text(self, st):
        assert problem(st, {"details": {"nested": True}}).message == "Details must be text."


@pytest.mark.django_db
class TestNumber:
    @pytest.fixture
    def st(self, service_type, make_attribute):
        make_attribute(service_type, "count", D.NUMBER, "How many?")
        return service_type

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("12", 12), (" -3 ", -3), ("3.5", 3.5), (7, 7), (2.25, 2.25), ("1e3", 1000.0), ("0", 0)],
    )
    def test_valid(self, st, raw, expected):
        cleaned = clean_attribute_values(st, {"count": raw})
        assert cleaned == {"count": expected}
        assert type(cleaned["count"]) is type(expected)
        json.dumps(cleaned, allow_nan=False)

    @pytest.mark.parametrize(
        "raw",
        ["abc", "NaN", "nan", "inf", "-Infinity", "1e400", float("nan"), float("inf"), True, False, [1], {"n": 1}],
    )
    def test_invalid(self, st, raw):
        error = problem(st, {"count": raw})
        assert error.field == "attribute[count]"
        assert error.message == "How many must be a number."

    def test_too_large(self, st):
        assert problem(st, {"count": 2**60}).message == "How many is too large."


@pytest.mark.django_db
class TestDatetime:
    @pytest.fixture
    def st(self, service_type, make_attribute, settings):
        settings.TIME_ZONE = "America/New_York"
        make_attribute(service_type, "seen_at", D.DATETIME, "When did you see it?")
        return service_type

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("2026-03-31T14:30:00Z", "2026-03-31T14:30:00Z"),
            ("2026-03-31T14:30:00-04:00", "2026-03-31T18:30:00Z"),
            ("2026-03-31T14:30:00.250+02:00", "2026-03-31T12:30:00.250000Z"),
            ("2026-03-31 14:30", "2026-03-31T18:30:00Z"),  # no zone: settings.TIME_ZONE (EDT)
            ("2026-01-15T08:00:00", "2026-01-15T13:00:00Z"),  # EST in winter
            ("2026-03-31", "2026-03-31T04:00:00Z"),  # a W3C date alone means local midnight
            (datetime(2026, 3, 31, 14, 30, tzinfo=UTC), "2026-03-31T14:30:00Z"),
        ],
    )
    def test_valid(self, st, raw, expected):
        assert clean_attribute_values(st, {"seen_at": raw}) == {"seen_at": expected}

    @pytest.mark.parametrize("raw", ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30", "31/03/2026", 1711900000])
    def test_invalid(self, st, raw):
        error = problem(st, {"seen_at": raw})
        assert error.field == "attribute[seen_at]"
        assert error.message.startswith("When did you see it must be a date and time")

    @pytest.mark.parametrize("raw", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
    def test_beyond_the_calendar(self, st, raw):
        assert problem(st, {"seen_at": raw}).message == "When did you see it is not a possible date."


@pytest.mark.django_db
class TestSingleValueList:
    @pytest.fixture
    def st(self, service_type, make_attribute):
        make_attribute(service_type, "size", D.SINGLEVALUELIST, "Size", values=SIZES)
        return service_type

    def test_valid(self, st):
        assert clean_attribute_values(st, {"size": "medium"}) == {"size": "medium"}
        assert clean_attribute_values(st, {"size": ["large"]}) == {"size": "large"}

    def test_unknown_key_names_the_choices(self, st):
        error = problem(st, {"size": "huge"})
        assert error.field == "attribute[size]"
        assert error.message == "Size must be one of: small, medium, large."

    def test_one_answer_only(self, st):
        assert problem(st, {"size": ["small", "large"]}).message == "Choose only one answer for Size."

    def test_keys_compare_exactly(self, st):
        assert problem(st, {"size": "Medium"}).field == "attribute[size]"


@pytest.mark.django_db
class TestMultiValueList:
    @pytest.fixture
    def st(self, service_type, make_attribute):
        make_attribute(service_type, "hazards", D.MULTIVALUELIST, "Hazards", values=HAZARDS)
        return service_type

    def test_distinct_keys_in_the_attribute_order(self, st):
        cleaned = clean_attribute_values(st, {"hazards": ["needles", "glass", "needles"]})
        assert cleaned == {"hazards": ["glass", "needles"]}

    def test_a_single_string_is_one_choice(self, st):
        assert clean_attribute_values(st, {"hazards": "chemicals"}) == {"hazards": ["chemicals"]}

    def test_unknown_key(self, st):
        error = problem(st, {"hazards": ["glass", "fire"]})
        assert error.message == "Hazards must be one of: glass, needles, chemicals."

    @pytest.mark.parametrize("raw", [{"glass": True}, 3.5, [["glass"]]])
    def test_invalid_shapes(self, st, raw):
        assert problem(st, {"hazards": raw}).field == "attribute[hazards]"


@pytest.mark.django_db
class TestRequiredAndUnknown:
    @pytest.fixture
    def st(self, service_type, make_attribute):
        make_attribute(service_type, "pole_number", D.STRING, "Pole number", required=True)
        make_attribute(service_type, "hazards", D.MULTIVALUELIST, "Hazards?", values=HAZARDS, required=True)
        make_attribute(service_type, "notes", D.TEXT, "Notes")
        make_attribute(service_type, "old", D.STRING, "Old question", is_active=False)
        make_attribute(service_type, "safety", D.STRING, "Stay away from fallen wires.", variable=False)
        return service_type

    @pytest.mark.parametrize("missing", [None, "", "   ", [], [""]])
    def test_required_missing(self, st, missing):
        error = problem(st, {"pole_number": missing, "hazards": "glass"})
        assert (error.field, error.message) == ("attribute[pole_number]", "Pole number is required.")

    def test_optional_answers_left_out_when_empty(self, st):
        cleaned = clean_attribute_values(st, {"pole_number": "P1", "hazards": "glass", "notes": "  "})
        assert cleaned == {"pole_number": "P1", "hazards": ["glass"]}

    def test_unknown_attribute(self, st):
        error = problem(st, {"pole_number": "P1", "hazards": "glass", "colour": "red"})
        assert (error.field, error.message) == ("attribute[colour]", "colour is not a question of this service.")

    def test_floods_are_cut_short(self, st):
        error = problem(st, {f"junk{i}": "x" for i in range(500)})
        assert error.errors == [("attributes", "Too many answers were sent.")]
        assert problem(st, {"x" * 5000: "y", "pole_number": "P", "hazards": "glass"}).field == f"attribute[{'x' * 100}]"

    def test_inactive_attribute_counts_as_unknown(self, st):
        assert problem(st, {"pole_number": "P1", "hazards": "glass", "old": "x"}).field == "attribute[old]"

    def test_information_only_attribute_takes_no_answer(self, st):
        error = problem(st, {"pole_number": "P1", "hazards": "glass", "safety": "ok"})
        assert error.field == "attribute[safety]"

    def test_all_problems_are_collected(self, st):
        error = problem(st, {"notes": "x" * 5000, "colour": "red"})
        assert isinstance(error, ValidationError)
        assert error.errors == [
            ("attribute[pole_number]", "Pole number is required."),
            ("attribute[hazards]", "Hazards is required."),
            ("attribute[notes]", "Notes must be at most 4000 characters (it has 5000)."),
            ("attribute[colour]", "colour is not a question of this service."),
        ]
        assert (error.field, error.message) == error.errors[0]
        assert error.as_dict()["errors"][1] == {"field": "attribute[hazards]", "message": "Hazards is required."}

    def test_long_questions_are_named_by_code(self, st):
        st.attributes.filter(code="pole_number").update(
            description_en="Look for the small yellow tag about two metres up the pole and copy the number on it."
        )
        assert problem(st, {"hazards": "glass"}).message == "Pole number is required."

    def test_translated_label_in_spanish(self, st):
        from django.utils import translation

        st.attributes.filter(code="pole_number").update(description_es="Número del poste")
        with translation.override("es"):
            error = problem(st, {"hazards": "glass"})
        assert error.field == "attribute[pole_number]"
        assert "Número del poste" in error.message


@pytest.mark.django_db
def test_a_service_without_attributes_takes_nothing(service_type, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert clean_attribute_values(service_type, {}) == {}
    assert clean_attribute_values(service_type, None) == {}
    assert problem(service_type, {"anything": "x"}).field == "attribute[anything]"


@pytest.mark.django_db
def test_two_queries_however_many_attributes(service_type, make_attribute, django_assert_num_queries):
    for code in ("size", "shape", "colour"):
        make_attribute(service_type, code, D.SINGLEVALUELIST, values=SIZES)
    with django_assert_num_queries(2):  # attributes, then all their values
        assert clean_attribute_values(service_type, {"size": "small"}) == {"size": "small"}


@pytest.mark.django_db
def test_cleaned_values_are_json_safe(service_type, make_attribute):
    make_attribute(service_type, "a", D.STRING)
    make_attribute(service_type, "b", D.NUMBER)
    make_attribute(service_type, "c", D.DATETIME)
    make_attribute(service_type, "d", D.SINGLEVALUELIST, values=SIZES)
    make_attribute(service_type, "e", D.MULTIVALUELIST, values=HAZARDS)
    make_attribute(service_type, "f", D.TEXT)
    raw = {"a": "x", "b": "4.5", "c": "2026-03-31T14:30:00Z", "d": "small", "e": ["glass"], "f": "long"}
    cleaned = clean_attribute_values(service_type, raw)
    assert json.loads(json.dumps(cleaned, allow_nan=False)) == cleaned
