"""Production checks run at start-up (Django system checks, also by `check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def production_settings(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return []
    problems: list[Error | Warning] = []
    key = settings.SECRET_KEY or ""
    if len(key) < 40 or key.startswith("insecure"):
        problems.append(Error("SECRET_KEY is too short or a development value.", id="civitas.E001"))
    if not settings.ALLOWED_HOSTS:
        problems.append(
            Error("ALLOWED_HOSTS is empty: set it to the host names Civitas is served on.", id="civitas.E002")
        )
    if not (settings.AUDIT_HMAC_KEY or _file_exists(settings.AUDIT_HMAC_KEY_FILE)):
        problems.append(
            Error(
                "No audit checkpoint key: set AUDIT_HMAC_KEY or point AUDIT_HMAC_KEY_FILE at a file holding it.",
                id="civitas.E003",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "SQLite is in use: fine for one small server; use PostgreSQL (DATABASE_URL) for a city.",
                id="civitas.W001",
            )
        )
    return problems


def _file_exists(path: str | None) -> bool:
    if not path:
        return False
    from pathlib import Path

    return Path(path).is_file()
