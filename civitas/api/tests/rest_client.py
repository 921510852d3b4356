"""A tiny JSON client for the REST API tests (Django's test client with a bearer key)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

BASE = "/api/v1"


class Api:
    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.secret = secret

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self.headers(headers))

    def send(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None, **headers: str) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        call = getattr(self.client, method.lower())
        return call(BASE + path, data=data, content_type="application/json", headers=self.headers(headers))

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("POST", path, body, **headers)

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("PATCH", path, body, **headers)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:civitas:problem:")
    assert body["title"] and body["detail"] and body["instance"].startswith(BASE)
    return body
