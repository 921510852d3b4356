"""Bulk actions on selected cases: each case goes through its own service (and audit event).

A failure on one case (not visible, not allowed, wrong transition, stale) is reported for that
case; the others are still done. Cases the actor may not see are reported as "not found".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from civitas.accounts.models import Team, User
from civitas.cases.models import Case
from civitas.cases.selectors import cases_visible
from civitas.cases.services.lifecycle import case_assign, case_transition
from civitas.cases.services.tags import case_tag, clean_tag
from civitas.cases.states import CaseStatus
from civitas.core.errors import DomainError, ValidationError

MAX_BULK = 200


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # references
    failed: list[tuple[str, str]] = field(default_factory=list)  # (reference, reason)

    def summary(self) -> str:
        """'12 done, 2 failed: SR-2026-000001 (reason); SR-2026-000002 (reason)'."""
        text = _("%(done)d done, %(failed)d failed") % {"done": len(self.done), "failed": len(self.failed)}
        if self.failed:
            text += ": " + "; ".join(f"{reference} ({reason})" for reference, reason in self.failed)
        return text


def _selected(actor: Any, references: Iterable[str]) -> tuple[list[Case], list[str]]:
    """The cases the actor may see, in the order given, and the references not found."""
    wanted = list(dict.fromkeys(ref.strip() for ref in references if ref and ref.strip()))
    if not wanted:
        raise ValidationError("Select at least one case.", field="cases")
    if len(wanted) > MAX_BULK:
        raise ValidationError(f"Select at most {MAX_BULK} cases at a time.", field="cases")
    found = {case.reference: case for case in cases_visible(actor=actor).filter(reference__in=wanted)}
    return [found[ref] for ref in wanted if ref in found], [ref for ref in wanted if ref not in found]


def _each(actor: Any, references: Iterable[str], action: Callable[[Case], Any]) -> BulkResult:
    cases, missing = _selected(actor, references)
    result = BulkResult(failed=[(ref, _("not found")) for ref in missing])
    for case in cases:
        try:
            action(case)
        except DomainError as error:
            result.failed.append((case.reference, error.message))
        else:
            result.done.append(case.reference)
    result.failed.sort()
    return result


def case_bulk_assign(
    *, actor: Any, references: Iterable[str], team_id: int | None = None, assignee_id: int | None = None
) -> BulkResult:
    """Assign each case to a team and/or a person (through case_assign: department rules apply).
    A team alone clears the person, as case_assign does."""
    if team_id is None and assignee_id is None:
        raise ValidationError("Choose a team or a person to assign to.", field="team")
    team = Team.objects.select_related("department").filter(pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise ValidationError("That team does not exist.", field="team")
    assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
    if assignee_id and assignee is None:
        raise ValidationError("That person does not exist.", field="assignee")
    return _each(actor, references, lambda case: case_assign(actor=actor, case=case, team=team, assignee=assignee))


def case_bulk_transition(*, actor: Any, references: Iterable[str], to_status: str) -> BulkResult:
    """Move each case to `to_status` where the transition table allows it; the others fail with the reason."""
    if to_status not in CaseStatus.values:
        raise ValidationError("Choose a status.", field="status")
    return _each(actor, references, lambda case: case_transition(actor=actor, case=case, to_status=to_status))


def case_bulk_tag(*, actor: Any, references: Iterable[str], tag: str) -> BulkResult:
    tag = clean_tag(tag)
    return _each(actor, references, lambda case: case_tag(actor=actor, case=case, add=[tag]))
