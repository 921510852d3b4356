"""WSGI entry point. Runs Django's system checks (production checks when DEBUG is off) at start-up."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _startup_checks() -> None:
    from django.conf import settings
    from django.core.management import call_command

    call_command("check", deploy=not settings.DEBUG, fail_level="ERROR")


_startup_checks()
