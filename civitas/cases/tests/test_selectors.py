"""Case selectors: scoped in SQL, not-found and not-allowed alike, keyset pages, tracking links."""

from __future__ import annotations

import pytest

from civitas.cases.selectors import (
    case_by_tracking_token,
    case_get,
    case_timeline,
    cases_page,
    cases_visible,
    public_timeline,
)
from civitas.cases.services import case_add_note, case_merge
from civitas.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_scoping_and_not_found_look_the_same(make_case, make_staff, other_department, caseworker):
    case = make_case()
    outsider = make_staff("caseworker", other_department)
    assert list(cases_visible(actor=caseworker)) == [case]
    assert list(cases_visible(actor=outsider)) == []
    assert case_get(actor=caseworker, reference=case.reference.lower()) == case
    for actor, kwargs in ((outsider, {"case_id": case.pk}), (caseworker, {"case_id": 10**9}), (caseworker, {})):
        with pytest.raises(NotFound, match=r"^Not found\.$"):
            case_get(actor=actor, **kwargs)


def test_timelines_hide_internal_notes_from_the_public(make_case, caseworker):
    case = make_case()
    case_add_note(actor=caseworker, case=case, body="internal", public=False)
    case_add_note(actor=caseworker, case=case, body="public", public=True)
    assert "internal" in [e.body for e in case_timeline(actor=caseworker, case=case)]
    assert "internal" not in [e.body for e in public_timeline(case)]
    assert "public" in [e.body for e in case_timeline(actor=caseworker, case=case, include_internal=False)]


def test_keyset_pages_cover_every_case_once(make_case, caseworker):
    made = [make_case() for _ in range(7)]
    seen, after = [], None
    while page := cases_page(cases_visible(actor=caseworker), after=after, size=3):
        seen += page
        after = (page[-1].created_at, page[-1].pk)
    assert sorted(c.pk for c in seen) == sorted(c.pk for c in made)
    assert len(seen) == len({c.pk for c in seen})


def test_tracking_link_follows_merges(make_case, supervisor):
    original, duplicate = make_case(), make_case()
    case_merge(actor=supervisor, source=duplicate, target=original)
    assert case_by_tracking_token(duplicate.tracking_token) == original
    assert case_by_tracking_token(original.tracking_token) == original
    for token in ("", "  ", "not-a-token"):
        with pytest.raises(NotFound):
            case_by_tracking_token(token)
