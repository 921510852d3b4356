"""Helpers shared by the case services: locking with version checks, timeline entries, snapshots."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from civitas.accounts.permissions import require
from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.core.errors import StaleVersion

AUDITED_FIELDS = (
    "status",
    "priority",
    "service_type_id",
    "department_id",
    "team_id",
    "assignee_id",
    "title",
    "description",
    "lat",
    "long",
    "address",
    "area",
    "attributes",
    "requester_id",
    "merged_into_id",
)
# Text the resident typed may hold personal data: the audit records that it changed, not what it says.
REDACTED_FIELDS = frozenset({"title", "description", "address", "attributes", "lat", "long"})


def snapshot(case: Case, fields: tuple[str, ...] = AUDITED_FIELDS) -> dict[str, Any]:
    return {name: getattr(case, name) for name in fields}


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changes: dict[str, dict[str, Any]] = {}
    for name in after:
        if before.get(name) == after[name]:
            continue
        if name in REDACTED_FIELDS:
            changes[name] = {"before": "<redacted>", "after": "<changed>"}
        else:
            changes[name] = {"before": before.get(name), "after": after[name]}
    return changes


def lock_case(case: Case, *, version: int | None) -> Case:
    """Re-read the case under a row lock; refuse when the caller's version is stale."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and int(version) != locked.version:
        raise StaleVersion(
            f"{locked.reference} was changed by someone else (you had version {version}, "
            f"it is now version {locked.version}). Reload to see the latest and try again.",
            current_version=locked.version,
        )
    return locked


def save_case(case: Case, fields: list[str]) -> None:
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def add_entry(
    case: Case,
    *,
    kind: str,
    actor: Any,
    body: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    author = actor if getattr(actor, "is_authenticated", False) else None
    return TimelineEntry.objects.create(
        case=case, kind=kind, body=body, is_public=public, author=author, data=data or {}
    )


def require_case(actor: Any, action: str, case: Case) -> None:
    """Permission in the case's department; a case the actor may not see looks not found."""
    from civitas.accounts.permissions import has_perm

    if not has_perm(actor, "case.view", case.department_id):
        require(actor, "case.view", case.department_id, hide=True)
    require(actor, action, case.department_id)


__all__ = ["EntryKind", "add_entry", "audit_changes", "lock_case", "require_case", "save_case", "snapshot"]
