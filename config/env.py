"""Read settings from the environment and fail loudly with a clear message.

Every setting Civitas reads from the environment goes through these helpers, so a
missing or malformed value stops start-up with a sentence that names the variable
and says what is expected, instead of a traceback deep inside Django.
"""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time_zone(name: str, default: str) -> str:
    value = env_str(name, default) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known time zone; use an IANA name such as 'America/New_York'."
        ) from None
    return value


def database_config(url: str | None, base_dir: Path) -> dict[str, Any]:
    """Turn DATABASE_URL into Django's DATABASES['default'], SQLite (WAL) when unset."""
    if not url:
        (base_dir / "var").mkdir(exist_ok=True)
        url = f"sqlite:///{base_dir / 'var' / 'civitas.sqlite3'}"
    import dj_database_url

    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except (ValueError, KeyError, AttributeError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is malformed ({exc}). Expected e.g. "
            "'postgres://user:password@host:5432/name' or 'sqlite:////absolute/path/civitas.sqlite3'."
        ) from None
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        return _sqlite_config(config, url)
    if engine.endswith("postgresql"):
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names no database: add '/<name>' after the host.")
        return config
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme is not supported ({url.split(':', 1)[0]!r}); use 'postgres://' or 'sqlite://'."
    )


def _sqlite_config(config: dict[str, Any], url: str) -> dict[str, Any]:
    if not config.get("NAME") or (config["NAME"] == ":memory:" and "memory" not in url):
        raise ImproperlyConfigured("DATABASE_URL for SQLite needs a file path: 'sqlite:////abs/path.sqlite3'.")
    # Tests use a file (not memory) so real worker processes can share the test database.
    # The process id keeps concurrent test runs on one machine apart.
    db_path = Path(config["NAME"])
    config["TEST"] = {"NAME": str(db_path.with_name(f"test_{db_path.stem}_{os.getpid()}.sqlite3"))}
    config["CONN_MAX_AGE"] = 0
    config["CONN_HEALTH_CHECKS"] = False
    config["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock
        # at BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=10000;"
            "PRAGMA foreign_keys=ON;PRAGMA cache_size=-20000"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    return config
