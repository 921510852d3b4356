"""Settings of the benchmark server: the project's own, plus one bare view (bench/server/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.server.urls"
