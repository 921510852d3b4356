"""Event handlers that keep the search index current (run by the worker; ids only; idempotent)."""

from __future__ import annotations

from civitas.search.indexing import index_case as _index_case


def index_case(*, case_id: int, target_id: int | None = None, **_: object) -> None:
    """Rebuild the document of the case (and of the case it was merged into)."""
    _index_case(int(case_id))
    if target_id is not None:
        _index_case(int(target_id))
