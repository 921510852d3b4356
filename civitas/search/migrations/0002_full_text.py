"""The full-text part of the index, made for the database in use (ADR 0008).

PostgreSQL: a stored generated tsvector column (English configuration) with a GIN index.
SQLite: an FTS5 table over search_searchdocument (external content, rowid = case id) kept in step
by three triggers, with the Porter stemmer so that both databases match "lights" to "light".
"""

from django.db import migrations

PG_FORWARD = [
    "ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED",
    "CREATE INDEX search_doc_tsv_idx ON search_searchdocument USING gin (tsv)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_doc_tsv_idx",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS tsv",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_document_fts USING fts5("
    "body, content='search_searchdocument', content_rowid='case_id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_doc_ai AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(rowid, body) VALUES (new.case_id, new.body); END",
    "CREATE TRIGGER search_doc_ad AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, body) VALUES ('delete', old.case_id, old.body); END",
    "CREATE TRIGGER search_doc_au AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, body) VALUES ('delete', old.case_id, old.body); "
    "INSERT INTO search_document_fts(rowid, body) VALUES (new.case_id, new.body); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_doc_au",
    "DROP TRIGGER IF EXISTS search_doc_ad",
    "DROP TRIGGER IF EXISTS search_doc_ai",
    "DROP TABLE IF EXISTS search_document_fts",
]


def _run(schema_editor, statements: dict) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_document")]

    operations = [migrations.RunPython(forward, backward)]
