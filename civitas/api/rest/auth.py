"""REST API authentication: a personal access token or application key, as `Authorization: Bearer cvt_…`
or `X-Api-Key: cvt_…`.

On success the request carries `request.api_key` and `request.user` becomes the key's owner narrowed to the
key's scope (departments; read-only unless the key may write), so every selector and service scopes as usual;
audit events of the request record `via: api_key:<id>`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer

from civitas.core.context import set_via
from civitas.integrations.keys import api_key_authenticate, key_acting_user
from civitas.integrations.models import ApiKey


def authenticate_secret(request: HttpRequest, secret: str | None) -> ApiKey | None:
    key = api_key_authenticate(secret)
    if key is None:
        return None
    request.api_key = key  # type: ignore[attr-defined]
    request.user = key_acting_user(key)
    set_via(f"api_key:{key.pk}")
    return key


class BearerKey(HttpBearer):
    openapi_description = "A personal access token or application key: `Authorization: Bearer cvt_…`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate_secret(request, token)


class HeaderKey(APIKeyHeader):
    param_name = "X-Api-Key"
    openapi_description = "The same key in the `X-Api-Key` header."

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return authenticate_secret(request, key)


AUTH = [BearerKey(), HeaderKey()]
