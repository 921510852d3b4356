"""WSGI entry of the benchmark server (gunicorn bench.server.wsgi, with config/gunicorn.py)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.server.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
