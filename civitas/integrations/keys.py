"""API keys and personal access tokens: issue (the secret shown once), authenticate, revoke.

A key is `cvt_` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored: the secret has
enough entropy that a fast hash is safe, and lookup is one indexed equality. `key_acting_user` gives the
user a request acts as, narrowed to the key's departments and to reading when the key may not write.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from civitas.accounts.models import Department
from civitas.accounts.permissions import ALL, departments_for, require, restrict
from civitas.audit.services import audit_record
from civitas.core.errors import NotFound, PermissionDenied, ValidationError
from civitas.integrations.models import ApiKey, KeyKind

KEY_PREFIX = "cvt_"
PREFIX_SHOWN = 12
MAX_KEY_LENGTH = 100
# last_used_at is written at most this often per key (a busy integration must not write on every call).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown to the user once; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _manage_action(kind: str) -> str:
    return "api.token" if kind == KeyKind.PERSONAL else "integrations.manage"


def _clean_departments(actor: Any, kind: str, department_ids: Iterable[int]) -> list[Department]:
    wanted = {int(pk) for pk in department_ids}
    if not wanted:
        return []
    departments = list(Department.objects.filter(pk__in=wanted))
    if len(departments) != len(wanted):
        raise ValidationError("Unknown department.", field="departments")
    if kind == KeyKind.APPLICATION:
        for department in departments:
            require(actor, "integrations.manage", department.pk)
    elif not wanted <= {d.pk for d in token_departments(actor=actor)}:
        raise ValidationError("Choose only departments where you hold a role.", field="departments")
    return departments


def token_departments(*, actor: Any) -> list[Department]:
    """Active departments a personal access token of `actor` may be limited to (those where they hold a role)."""
    allowed = departments_for(actor, "api.token")
    departments = Department.objects.filter(is_active=True)
    if allowed is not ALL:
        departments = departments.filter(pk__in=allowed)
    return list(departments.order_by("name"))


def api_key_issue(
    *,
    actor: Any,
    kind: str,
    name: str,
    owner: Any = None,
    can_write: bool = False,
    department_ids: Iterable[int] = (),
    expires_at: datetime | None = None,
    rate_limit_per_minute: int | None = None,
) -> IssuedKey:
    """Create a key. A personal token belongs to `actor`; an application key to `owner` (default: `actor`)."""
    if kind not in KeyKind.values:
        raise ValidationError(f"Unknown key kind {kind!r}.", field="kind")
    require(actor, _manage_action(kind))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("Give the key a name of at most 100 characters.", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry must be in the future.", field="expires_at")
    key_owner = actor if kind == KeyKind.PERSONAL or owner is None else owner
    departments = _clean_departments(actor, kind, department_ids)
    secret = _new_secret()
    with transaction.atomic():
        key = ApiKey.objects.create(
            kind=kind,
            name=name,
            owner=key_owner,
            prefix=secret[:PREFIX_SHOWN],
            key_hash=hash_secret(secret),
            can_write=can_write,
            expires_at=expires_at,
            rate_limit_per_minute=rate_limit_per_minute,
        )
        key.departments.set(departments)
        audit_record(
            actor=actor,
            action="service:api_key:issue",
            obj=key,
            context={"kind": kind, "can_write": can_write, "departments": sorted(d.pk for d in departments)},
        )
    return IssuedKey(key=key, secret=secret)


def api_key_revoke(*, actor: Any, key_id: int) -> ApiKey:
    """Revoke a key at once. Staff revoke their own tokens; integration managers revoke application keys."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None or not _may_manage(actor, key):
            raise NotFound("Not found.")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="service:api_key:revoke", obj=key, context={"kind": key.kind})
    return key


def _may_manage(actor: Any, key: ApiKey) -> bool:
    if key.kind == KeyKind.PERSONAL:
        return bool(key.owner_id == getattr(actor, "pk", None))
    return departments_for(actor, "integrations.manage") != set()


def api_keys_for_owner(*, actor: Any, kind: str = KeyKind.PERSONAL) -> list[ApiKey]:
    """The actor's own keys of one kind, newest first (for the console's token page)."""
    return list(ApiKey.objects.filter(owner_id=actor.pk, kind=kind).prefetch_related("departments"))


def api_key_authenticate(secret: str | None) -> ApiKey | None:
    """The usable key a presented secret belongs to, or None (unknown, revoked, expired, or owner inactive)."""
    if not secret or len(secret) > MAX_KEY_LENGTH or not secret.startswith(KEY_PREFIX):
        return None
    key = ApiKey.objects.select_related("owner").filter(key_hash=hash_secret(secret)).first()
    if key is None or not key.is_usable or not key.owner.is_active:
        return None
    _touch(key)
    return key


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def key_require_application_writer(key: ApiKey, *, what: str) -> None:
    """Refuse a key that is not a write-capable application key (Open311 posts and sensor readings need one)."""
    if key.kind != KeyKind.APPLICATION:
        raise PermissionDenied(f"{what} need an application key, not a personal access token.", field="api_key")
    if not key.can_write:
        raise PermissionDenied(
            f"This application key is read-only; {what.lower()} need a key that may write.", field="api_key"
        )


def key_acting_user(key: ApiKey) -> Any:
    """The user a request made with `key` acts as, narrowed to the key's scope (departments, read/write)."""
    user = key.owner
    department_ids = {d.pk for d in key.departments.all()}
    restrict(user, departments=department_ids or None, read_only=not key.can_write)
    return user
