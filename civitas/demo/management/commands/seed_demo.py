"""`python manage.py seed_demo`: the fictional City of Riverton, safe to run again (adds nothing twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from civitas.demo import data
from civitas.demo.seed import EXTRACT, seed


class Command(BaseCommand):
    help = "Load demo data: departments, teams, ~30 service types, one user per role, ~2,300 cases."

    def handle(self, *args: Any, **options: Any) -> None:
        if not EXTRACT.is_file():
            self.stderr.write(f"Demo case history not found at {EXTRACT}; loading everything else.")
        result = seed()
        made = ", ".join(f"{count} {what}" for what, count in result.created.items()) or "nothing new"
        self.stdout.write(f"Demo data: created {made}; {result.cases_imported} cases imported.")
        self.stdout.write("")
        self.stdout.write(f"  Demo logins (password for all: {data.DEMO_PASSWORD}):")
        for email, role in result.logins:
            self.stdout.write(f"    {email:<32} {role}")
