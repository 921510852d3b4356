"""Find or create the departments, teams, groups and service types an import names."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from civitas.accounts.models import Department, Team
from civitas.audit.services import PendingEvent, object_label
from civitas.catalog.models import ServiceGroup, ServiceType


def _code(name: str, limit: int) -> str:
    return (slugify(name) or "unnamed")[:limit].strip("-")


class Taxonomy:
    """Caches name → row for one import run; creates (and audits) what is missing.

    The audit events of what it created wait in `pending` until the writer appends them to the
    chain (audit_record_many) in the same transaction, all in one go: one chain-head lock and
    one INSERT per batch instead of per created row.
    """

    def __init__(self, *, actor: Any, source: str) -> None:
        self.actor = actor
        self.source = source
        self.actor_id = int(actor.pk) if actor is not None and getattr(actor, "is_authenticated", False) else None
        self.pending: list[PendingEvent] = []
        self.departments: dict[str, Department] = {}
        self.teams: dict[tuple[int, str], Team] = {}
        self.groups: dict[str, ServiceGroup] = {}
        self.types: dict[str, ServiceType] = {}

    def department(self, name: str) -> Department:
        if name not in self.departments:
            dept, created = Department.objects.get_or_create(code=_code(name, 40), defaults={"name": name[:200]})
            self._audit(created, dept)
            self.departments[name] = dept
        return self.departments[name]

    def team(self, department: Department, name: str) -> Team | None:
        if not name:
            return None
        key = (department.pk, name)
        if key not in self.teams:
            team, created = Team.objects.get_or_create(
                department=department, code=_code(name, 40), defaults={"name": name[:200]}
            )
            self._audit(created, team)
            self.teams[key] = team
        return self.teams[key]

    def group(self, name: str) -> ServiceGroup:
        if name not in self.groups:
            group, created = ServiceGroup.objects.get_or_create(code=_code(name, 60), defaults={"name": name[:200]})
            self._audit(created, group)
            self.groups[name] = group
        return self.groups[name]

    def service_type(self, name: str, *, group: str, department: str) -> ServiceType:
        if name not in self.types:
            service_type = ServiceType.objects.filter(code=_code(name, 60)).first()
            if service_type is None:
                service_type = ServiceType.objects.create(
                    code=_code(name, 60),
                    name=name[:200],
                    group=self.group(group),
                    department=self.department(department),
                    keywords=", ".join(sorted({group.lower(), name.lower()})),
                )
                self._audit(True, service_type)
            self.types[name] = service_type
        return self.types[name]

    def take_audit_events(self) -> list[PendingEvent]:
        """The audit events of the rows created since the last call (for audit_record_many)."""
        events, self.pending = self.pending, []
        return events

    def _audit(self, created: bool, obj: Any) -> None:
        if created:
            object_type, object_id = object_label(obj)
            self.pending.append(
                PendingEvent(
                    action=f"import:{obj._meta.model_name}:create",
                    actor_id=self.actor_id,
                    object_type=object_type,
                    object_id=object_id,
                    context={"source": self.source},
                )
            )
