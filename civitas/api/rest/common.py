"""Small helpers shared by the REST operations: documented error responses, typed ids, safe query strings."""

from __future__ import annotations

import re

from ninja.errors import HttpError

from civitas.api.rest.schemas import MAX_ID, Id, Problem, Version
from civitas.core.errors import NotFound

REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,23}$")
MAX_QUERY_LENGTH = 200
__all__ = ["MAX_ID", "Id", "Version"]

# Problem answers every operation documents (OpenAPI), on top of its success answer.
READ_ERRORS: dict[int, type[Problem]] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    422: Problem,
    429: Problem,
}
WRITE_ERRORS: dict[int, type[Problem]] = {**READ_ERRORS, 409: Problem, 413: Problem}


def check_reference(reference: str) -> str:
    """A case reference as typed in a URL; anything that cannot be one is simply not found."""
    if not REFERENCE_RE.match(reference or ""):
        raise NotFound("Not found.")
    return reference


def clean_param(value: str | None, name: str) -> str | None:
    """A free-text query parameter: stripped, bounded, without NUL (PostgreSQL refuses it)."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_QUERY_LENGTH or "\x00" in value:
        raise HttpError(400, f"The {name} parameter is too long or contains a NUL character.")
    return value or None
