import pytest

from civitas.core.references import format_reference, new_token, next_reference, reserve_numbers

pytestmark = pytest.mark.django_db


def test_references_count_up_per_year():
    assert next_reference(year=2026) == "SR-2026-000001"
    assert next_reference(year=2026) == "SR-2026-000002"
    assert next_reference(year=2025) == "SR-2025-000001"


def test_reserve_block():
    block = reserve_numbers(year=2011, count=1000)
    assert (block.start, block.stop) == (1, 1001)
    assert next_reference(year=2011) == "SR-2011-001001"


def test_format_grows_past_six_digits():
    assert format_reference("SR", 2026, 1234567) == "SR-2026-1234567"


def test_tokens_are_unguessable():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(token) >= 32 for token in tokens)
