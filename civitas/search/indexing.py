"""Writing the search index: one document per case, rebuilt whole (idempotent), never patched.

`index_case` is what the event handler calls after a case changes; `reindex` rebuilds many documents
with one INSERT … SELECT per batch (after an import, for the demo seed, or `--all` after a change of
what is indexed). Case text is resident-typed: it lives in this table only, never in the audit chain.
"""

from __future__ import annotations

from django.db import connection, transaction

from civitas.cases.models import Case, TimelineEntry
from civitas.search.models import SearchDocument


def document_text(case: Case, bodies: list[str]) -> str:
    parts = [case.title, case.description, case.address, *bodies]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def index_case(case_id: int) -> bool:
    """(Re)build the document of one case; False (and no document) when the case is gone."""
    case = Case.objects.filter(pk=case_id).only("title", "description", "address", "department_id", "updated_at")
    found = case.first()
    if found is None:
        SearchDocument.objects.filter(case_id=case_id).delete()
        return False
    bodies = list(TimelineEntry.objects.filter(case_id=case_id).exclude(body="").values_list("body", flat=True))
    SearchDocument.objects.update_or_create(
        case_id=case_id,
        defaults={
            "department_id": found.department_id,
            "body": document_text(found, bodies),
            "updated_at": found.updated_at,
        },
    )
    return True


def _aggregate(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"string_agg({column}, E'\\n' ORDER BY t.created_at, t.id)"
    return f"group_concat({column}, char(10))"


def _rebuild_sql(*, stale_only: bool) -> str:
    newline = "E'\\n'" if connection.vendor == "postgresql" else "char(10)"
    text = " || ".join(
        f"CASE WHEN {col} <> '' THEN {col} || {newline} ELSE '' END"
        for col in ("c.title", "c.description", "c.address")
    )
    stale = (
        "AND NOT EXISTS (SELECT 1 FROM search_searchdocument d WHERE d.case_id = c.id AND d.updated_at >= c.updated_at)"
        if stale_only
        else ""
    )
    return f"""
        INSERT INTO search_searchdocument (case_id, department_id, body, updated_at)
        SELECT c.id, c.department_id,
               {text} || COALESCE((SELECT {_aggregate("t.body")} FROM cases_timelineentry t
                                    WHERE t.case_id = c.id AND t.body <> ''), ''),
               c.updated_at
        FROM cases_case c
        WHERE c.id > %s AND c.id <= %s {stale}
        ON CONFLICT (case_id) DO UPDATE SET
            department_id = excluded.department_id, body = excluded.body, updated_at = excluded.updated_at
    """  # noqa: S608 (only constants and placeholders are interpolated)


def reindex(*, everything: bool = False, batch_size: int = 20_000) -> int:
    """Build missing and stale documents (all of them with `everything`); returns documents written."""
    sql = _rebuild_sql(stale_only=not everything)
    last = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, last, batch_size):
            with transaction.atomic():
                cursor.execute(sql, [start, start + batch_size])
                written += max(cursor.rowcount, 0)
    return written
