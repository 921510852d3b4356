"""Start Django inside a benchmark worker (the database comes from DATABASE_URL, set by run.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH-RESULT "


def setup() -> None:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def report(**figures: Any) -> None:
    """Hand the figures back to run.py: one JSON line on stdout."""
    print(RESULT_PREFIX + json.dumps(figures), flush=True)
