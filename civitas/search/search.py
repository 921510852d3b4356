"""The one search API over cases, whatever the database (ADR 0008).

    search_cases(actor=user, query="broken street light", limit=20, offset=0) -> SearchPage
    case_by_reference(actor=user, query="sr-2026-123") -> Case | None
    people_matching(actor=user, query="ana@example.org") -> list[Person]

Queries are never passed to the engine as syntax: they are cut into plain word terms (letters and
digits), every term must match (AND), so quotes, `NEAR(`, `*`, `-` or `:` cannot make the engine fail.
Results are scoped in SQL to the departments where the actor may view cases, ranked (PostgreSQL
`ts_rank` over the newest CANDIDATES matches; SQLite `bm25`), and carry a snippet in which only our
own <mark> tags are HTML: the text around them is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from civitas.accounts.permissions import ALL, departments_for, has_perm
from civitas.cases.models import Case
from civitas.cases.selectors import cases_visible
from civitas.people.models import Person
from civitas.people.selectors import persons_search

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
PAGE_SIZE = 20
MAX_RESULTS = 100  # "more results" stops here: refine the words rather than page on
CANDIDATES = 500  # PostgreSQL ranks the newest CANDIDATES matching documents (a common word matches 100k)
PG_CONFIG = "english"  # must match the generated column of migration 0002
START, STOP = "\x01", "\x02"  # highlight markers chosen by us; replaced by <mark> after escaping
REFERENCE_RE = re.compile(r"(?P<prefix>[A-Z]{1,10})-(?P<year>\d{4})-(?P<number>\d{1,12})")
PG_HEADLINE_OPTIONS = 'StartSel=\x01, StopSel=\x02, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'


@dataclass(frozen=True)
class Hit:
    case: Case
    rank: float
    snippet_html: SafeString


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    terms: list[str]
    offset: int
    has_more: bool

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.hits)


def query_terms(query: str) -> list[str]:
    """Plain lower-case word terms of `query`, in order, without repeats (at most MAX_TERMS)."""
    words = re.findall(r"\w+", (query or "")[:MAX_QUERY_LENGTH].lower())
    return list(dict.fromkeys(word.replace("_", "") for word in words if word.replace("_", "")))[:MAX_TERMS]


def normalise_reference(query: str) -> str | None:
    """`sr-2026-123` → `SR-2026-000123`; None when the query is not shaped like a reference."""
    match = REFERENCE_RE.fullmatch((query or "").strip().upper())
    if match is None:
        return None
    from civitas.core.references import format_reference

    return format_reference(match["prefix"], int(match["year"]), int(match["number"]))


def case_by_reference(*, actor: Any, query: str) -> Case | None:
    """The case with exactly this reference, when the actor may see it (one indexed lookup)."""
    reference = normalise_reference(query)
    if reference is None:
        return None
    return cases_visible(actor=actor).filter(reference=reference).first()


def people_matching(*, actor: Any, query: str, limit: int = 10) -> list[Person]:
    """People by exact email/phone or name prefixes (records an access event per person shown)."""
    if not has_perm(actor, "person.view"):
        return []
    return persons_search(actor=actor, query=query, limit=limit, purpose="console search", via="console")


def cases_of_people(*, actor: Any, people: list[Person], limit: int = 20) -> list[Case]:
    if not people:
        return []
    qs = cases_visible(actor=actor).filter(requester__in=[p.pk for p in people])
    return list(qs.order_by("-created_at", "-id")[:limit])


def search_cases(*, actor: Any, query: str, limit: int = PAGE_SIZE, offset: int = 0) -> SearchPage:
    """Cases whose text matches every word of `query`, best first, that `actor` may view."""
    terms = query_terms(query)
    offset = max(0, min(int(offset), MAX_RESULTS))
    limit = max(1, min(int(limit), MAX_RESULTS - offset)) if offset < MAX_RESULTS else 0
    allowed = departments_for(actor, "case.view")
    if not terms or limit == 0 or (allowed is not ALL and not allowed):
        return SearchPage(hits=[], terms=terms, offset=offset, has_more=False)
    departments = None if allowed is ALL else sorted(allowed)
    rows = _search(terms, departments, limit + 1, offset)
    has_more = len(rows) > limit and offset + limit < MAX_RESULTS
    rows = rows[:limit]
    cases = cases_visible(actor=actor).in_bulk([row[0] for row in rows])
    hits = [
        Hit(case=cases[case_id], rank=float(rank), snippet_html=highlight(snippet or ""))
        for case_id, rank, snippet in rows
        if case_id in cases
    ]
    return SearchPage(hits=hits, terms=terms, offset=offset, has_more=has_more)


def highlight(marked: str) -> SafeString:
    """Escape `marked` and turn our START/STOP markers into balanced <mark> tags (nothing else is HTML)."""
    out: list[str] = []
    inside = False
    for piece in re.split(f"([{START}{STOP}])", marked):
        if piece == START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif piece == STOP:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(escape(piece))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 (every piece of text above is escaped)


# --- the engines -------------------------------------------------------------------------------


def _search(terms: list[str], departments: list[int] | None, limit: int, offset: int) -> list[tuple]:
    if connection.vendor == "postgresql":
        return _search_postgres(terms, departments, limit, offset)
    return _search_sqlite(terms, departments, limit, offset)


def _search_postgres(terms: list[str], departments: list[int] | None, limit: int, offset: int) -> list[tuple]:
    scope = "" if departments is None else "AND d.department_id = ANY(%(departments)s)"
    # The tsquery is written out (not in a CTE) so the planner sees the constant and its statistics:
    # a common word walks the primary key backwards to the newest CANDIDATES matches, a rare one
    # uses the GIN index.
    tsquery = f"plainto_tsquery('{PG_CONFIG}', %(text)s)"
    sql = f"""
        WITH candidates AS (
            SELECT d.case_id, d.tsv FROM search_searchdocument d
            WHERE d.tsv @@ {tsquery} {scope}
            ORDER BY d.case_id DESC LIMIT {CANDIDATES}
        ),
        page AS (
            SELECT c.case_id, ts_rank(c.tsv, {tsquery}) AS rank FROM candidates c
            ORDER BY rank DESC, c.case_id DESC LIMIT %(limit)s OFFSET %(offset)s
        )
        SELECT page.case_id, page.rank, ts_headline('{PG_CONFIG}', d.body, {tsquery}, %(options)s)
        FROM page JOIN search_searchdocument d ON d.case_id = page.case_id
        ORDER BY page.rank DESC, page.case_id DESC
    """  # noqa: S608 (only constants and placeholders are interpolated)
    params = {
        "text": " ".join(terms),
        "departments": departments,
        "limit": limit,
        "offset": offset,
        "options": PG_HEADLINE_OPTIONS,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _search_sqlite(terms: list[str], departments: list[int] | None, limit: int, offset: int) -> list[tuple]:
    scope = ""
    params: list[Any] = [" ".join(f'"{term}"' for term in terms)]
    if departments is not None:
        scope = f"AND d.department_id IN ({', '.join('%s' for _ in departments)})"
        params += departments
    sql = f"""
        SELECT f.rowid, -bm25(search_document_fts) AS rank,
               snippet(search_document_fts, 0, char(1), char(2), '…', 24)
        FROM search_document_fts f JOIN search_searchdocument d ON d.case_id = f.rowid
        WHERE search_document_fts MATCH %s {scope}
        ORDER BY bm25(search_document_fts), f.rowid DESC LIMIT %s OFFSET %s
    """  # noqa: S608 (only constants and placeholders are interpolated)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return list(cursor.fetchall())
