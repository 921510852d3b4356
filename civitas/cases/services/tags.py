"""Tags on cases: staff labels for filtering and bulk work."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from civitas.audit.services import audit_record
from civitas.cases.models import Case, Tag
from civitas.cases.services._common import require_case
from civitas.core import events
from civitas.core.errors import ValidationError

TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def clean_tag(name: str) -> str:
    """'Council Member ' -> 'council-member'; refuse anything else that is not a plain label."""
    tag = re.sub(r"\s+", "-", (name or "").strip().lower())
    if not TAG_PATTERN.match(tag):
        raise ValidationError(
            f"{name!r} is not a valid tag: use letters, digits, '-' or '_' (at most 40 characters).", field="tags"
        )
    return tag


def case_tag(*, actor: Any, case: Case, add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
    """Add and remove tags on a case; returns the case's tags afterwards (sorted). Does not bump the version."""
    require_case(actor, "case.update", case)
    to_add = {clean_tag(name) for name in add}
    to_remove = {clean_tag(name) for name in remove} - to_add
    with transaction.atomic():
        before = set(case.tags.values_list("name", flat=True))
        after = (before | to_add) - to_remove
        if after == before:
            return sorted(after)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=to_add)}
        missing = [Tag(name=name) for name in to_add - set(existing)]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            existing = {tag.name: tag for tag in Tag.objects.filter(name__in=to_add)}
        case.tags.add(*[existing[name] for name in to_add - before])
        if before & to_remove:
            case.tags.remove(*Tag.objects.filter(name__in=before & to_remove))
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="service:case:tag",
            obj=case,
            changes={"tags": {"before": sorted(before), "after": sorted(after)}},
        )
        events.publish("case.updated", case_id=case.pk)
    return sorted(after)
