"""Domain errors raised by services; interfaces turn them into form errors or 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose. `field` names the offending input."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}


class ValidationError(DomainError):
    code = "invalid"


class NotFound(DomainError):
    """Raised both for "does not exist" and "you may not see it" (they must look the same)."""

    code = "not_found"


class PermissionDenied(DomainError):
    code = "forbidden"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class StaleVersion(DomainError):
    """An edit was based on an older version of the record than the one stored."""

    code = "conflict"

    def __init__(self, message: str, *, current_version: int, field: str | None = "version") -> None:
        super().__init__(message, field=field)
        self.current_version = current_version
