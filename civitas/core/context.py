"""Per-request context (the request id) carried to services, audit rows and logs."""

from __future__ import annotations

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("civitas_request_id", default="")


def get_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> contextvars.Token[str]:
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


# The credential a request came through when it is not a signed-in session (e.g. "api_key:12"): recorded in
# every audit event the request writes, so the audit shows which key acted for its owner.
_via: contextvars.ContextVar[str] = contextvars.ContextVar("civitas_via", default="")


def get_via() -> str:
    return _via.get()


def set_via(value: str) -> contextvars.Token[str]:
    return _via.set(value)


def reset_via(token: contextvars.Token[str]) -> None:
    _via.reset(token)
