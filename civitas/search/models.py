"""The search index: one document per case (ADR 0008).

The full-text machinery lives beside this table and is made by migration 0002 for the database in
use: on PostgreSQL a generated `tsv` tsvector column with a GIN index; on SQLite an FTS5 table
`search_document_fts` (external content: this table) kept in step by triggers.
"""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    # Copied from the case so results are scoped in SQL without a join; no foreign key (the case's own
    # department is the truth, and a stale value is corrected by the next index of the case).
    department_id = models.IntegerField()
    body = models.TextField(blank=True, help_text="Title, description, address and timeline text.")
    # The case's updated_at when this document was built: `search_reindex` rebuilds documents older
    # than their case.
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["department_id", "case"], name="search_doc_dept_idx")]

    def __str__(self) -> str:
        return f"search document of case {self.case_id}"
