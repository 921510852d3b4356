"""Settings fail loudly with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "TIME_ZONE"}}
    clean.update({"CIVITAS_TESTING": "0", "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_required_when_debug_off():
    result = _load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_debug_runs_without_secret_key():
    result = _load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql//nope", "DATABASE_URL"),
        ("ftp://host/db", "DATABASE_URL"),
        ("postgres://user@host:notaport/db", "DATABASE_URL"),
        ("postgres://user@host:5432", "names no database"),
    ],
)
def test_malformed_database_url(url: str, message: str):
    result = _load_settings(DEBUG="1", DATABASE_URL=url)
    assert result.returncode != 0
    assert message in result.stderr


def test_unknown_time_zone():
    result = _load_settings(DEBUG="1", TIME_ZONE="Mars/Olympus_Mons")
    assert result.returncode != 0
    assert "TIME_ZONE='Mars/Olympus_Mons' is not a known time zone" in result.stderr


def test_bad_boolean():
    result = _load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_production_checks_fail_at_startup(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "short",
        "ALLOWED_HOSTS": "civitas.example",
        "AUDIT_HMAC_KEY_FILE": str(tmp_path / "missing.key"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    clean.update({"CIVITAS_TESTING": "0", "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "civitas.E001" in result.stderr
    assert "civitas.E003" in result.stderr
