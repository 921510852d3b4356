"""The checkpoint signing key: from AUDIT_HMAC_KEY, or a file; never from the database."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def checkpoint_key() -> bytes:
    if settings.AUDIT_HMAC_KEY:
        return settings.AUDIT_HMAC_KEY.encode("utf-8")
    path = Path(settings.AUDIT_HMAC_KEY_FILE or "")
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < 32:
            raise ImproperlyConfigured(f"The audit key in {path} is shorter than 32 characters.")
        return key.encode("utf-8")
    if settings.DEBUG or settings.TESTING:
        return _create_development_key(path)
    raise ImproperlyConfigured(
        "No audit checkpoint key: set AUDIT_HMAC_KEY, or AUDIT_HMAC_KEY_FILE to a file holding one."
    )


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def _create_development_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(key + "\n")
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    return key.encode("utf-8")
