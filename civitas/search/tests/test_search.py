"""The search module on whichever database the suite runs on (SQLite FTS5 or PostgreSQL full text)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from civitas.cases.models import Case
from civitas.cases.services import case_add_note, case_create
from civitas.search.indexing import index_case, reindex
from civitas.search.models import SearchDocument
from civitas.search.search import (
    MAX_RESULTS,
    case_by_reference,
    highlight,
    normalise_reference,
    query_terms,
    search_cases,
)
from civitas.search.tests.conftest import run_outbox

pytestmark = pytest.mark.django_db


def make(actor, code: str, description: str, **fields) -> Case:
    return case_create(actor=actor, service_type=code, channel="phone", description=description, **fields)


def test_created_case_is_found_after_the_outbox_runs(worker, service_types):
    case = make(worker, "light", "The street light on Elm Street flickers all night")
    assert not SearchDocument.objects.exists()  # indexing is a task, after commit
    assert run_outbox() >= 1
    page = search_cases(actor=worker, query="flickering lights")  # stemmed: flickers/flickering, light/lights
    assert [hit.case for hit in page.hits] == [case]
    assert "<mark>" in page.hits[0].snippet_html


def test_notes_are_searchable(worker, service_types):
    case = make(worker, "light", "Dark corner")
    case_add_note(actor=worker, case=case, body="Crew found a corroded junction box", public=False)
    run_outbox()
    assert [hit.case for hit in search_cases(actor=worker, query="junction").hits] == [case]


def test_results_are_scoped_to_departments(worker, parks_worker, service_types, make_staff, other_department):
    from civitas.accounts.roles import Role

    parks_admin = make_staff(Role.SUPERVISOR, other_department)
    mine = make(worker, "light", "Graffiti on the light pole")
    theirs = make(parks_admin, "tree", "Graffiti on the oak tree")
    run_outbox()
    assert [h.case for h in search_cases(actor=worker, query="graffiti").hits] == [mine]
    assert [h.case for h in search_cases(actor=parks_worker, query="graffiti").hits] == [theirs]
    assert case_by_reference(actor=worker, query=theirs.reference) is None


def test_ranking_prefers_more_matches(worker, service_types):
    weak = make(worker, "light", "A pothole, and something else entirely about the weather today")
    strong = make(worker, "light", "Pothole pothole pothole: the pothole is deep")
    run_outbox()
    assert [h.case for h in search_cases(actor=worker, query="pothole").hits] == [strong, weak]


def test_snippet_escapes_html_in_case_text(worker, service_types):
    make(worker, "light", "<script>alert('x')</script> broken lamp <b>now</b>")
    run_outbox()
    (hit,) = search_cases(actor=worker, query="lamp").hits
    html = str(hit.snippet_html)
    assert "<mark>lamp</mark>" in html
    # SQLite's snippet keeps the tags as text (escaped here); PostgreSQL's headline drops them
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;script&gt;" in html or "script" not in html


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "NEAR(lamp post", "lamp*", "-lamp", "lamp OR", "AND", "col:lamp", "^lamp", "((", "'", "\x01\x02"],
)
def test_engine_syntax_never_fails(worker, service_types, query):
    make(worker, "light", "Broken lamp post")
    run_outbox()
    page = search_cases(actor=worker, query=query)
    assert isinstance(page.hits, list)


def test_query_terms_are_plain_words():
    assert query_terms('"Broken" lamp* NEAR(post, 2) lamp') == ["broken", "lamp", "near", "post", "2"]
    assert query_terms("") == []
    assert len(query_terms(" ".join(f"w{i}" for i in range(50)))) == 8


def test_highlight_balances_and_escapes_markers():
    assert str(highlight("a \x01<b>\x02 \x02c \x01d")) == "a <mark>&lt;b&gt;</mark> c <mark>d</mark>"


def test_reference_lookup_is_case_insensitive_and_pads(worker, service_types):
    case = make(worker, "light", "x")
    prefix, year, number = case.reference.split("-")
    assert case_by_reference(actor=worker, query=case.reference.lower()) == case
    assert case_by_reference(actor=worker, query=f" {prefix}-{year}-{int(number)} ") == case
    assert normalise_reference("pothole") is None


def test_more_results_stop_at_the_cap(worker, service_types):
    for i in range(25):
        make(worker, "light", f"Lamp number {i}")
    run_outbox()
    first = search_cases(actor=worker, query="lamp", limit=20)
    assert len(first.hits) == 20 and first.has_more
    second = search_cases(actor=worker, query="lamp", limit=20, offset=first.next_offset)
    assert len(second.hits) == 5 and not second.has_more
    assert not {h.case.pk for h in first.hits} & {h.case.pk for h in second.hits}
    assert search_cases(actor=worker, query="lamp", offset=MAX_RESULTS + 40).hits == []


def test_reindex_builds_missing_and_stale_documents(worker, service_types):
    a = make(worker, "light", "Leaning pole")
    b = make(worker, "light", "Buzzing transformer")
    assert reindex() == 2
    assert reindex() == 0  # nothing stale
    Case.objects.filter(pk=a.pk).update(description="Leaning mast", updated_at=a.updated_at.replace(year=2099))
    assert reindex() == 1
    assert [h.case for h in search_cases(actor=worker, query="mast").hits] == [a]
    assert reindex(everything=True) == 2
    call_command("search_reindex", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SearchDocument.objects.get(case=b).body.startswith("Buzzing transformer")


def test_handler_is_idempotent_and_drops_deleted_cases(worker, service_types):
    case = make(worker, "light", "Leaning pole")
    assert index_case(case.pk) and index_case(case.pk)
    assert SearchDocument.objects.count() == 1
    Case.objects.filter(pk=case.pk).delete()
    assert index_case(case.pk) is False
    assert not SearchDocument.objects.exists()
