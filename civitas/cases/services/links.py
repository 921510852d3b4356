"""Linking related cases and merging duplicates."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from civitas.audit.services import audit_record
from civitas.cases.models import Case, CaseFollower, CaseLink, EntryKind, LinkKind
from civitas.cases.services._common import add_entry, lock_case, require_case, save_case
from civitas.cases.states import CaseStatus
from civitas.core import events
from civitas.core.errors import ValidationError


def case_link(*, actor: Any, case: Case, other: Case, kind: str = LinkKind.RELATED) -> CaseLink:
    """Record that two cases are related (or that `case` duplicates `other`)."""
    if kind not in LinkKind.values:
        raise ValidationError(f"Unknown link kind {kind!r}.", field="kind")
    if case.pk == other.pk:
        raise ValidationError("A case cannot be linked to itself.", field="other")
    require_case(actor, "case.link", case)
    require_case(actor, "case.view", other)
    with transaction.atomic():
        link, created = CaseLink.objects.get_or_create(
            from_case=case, to_case=other, kind=kind, defaults={"created_by": _user(actor)}
        )
        if created:
            add_entry(
                case, kind=EntryKind.SYSTEM, actor=actor, data={"event": "linked", "kind": kind, "to": other.reference}
            )
            audit_record(
                actor=actor, action="service:case:link", obj=case, context={"kind": kind, "to_case_id": other.pk}
            )
    return link


def case_merge(*, actor: Any, source: Case, target: Case, version: int | None = None) -> Case:
    """Merge duplicate `source` into `target`: source closes, its people follow target. Returns target."""
    _check_merge(source, target)
    require_case(actor, "case.merge", source)
    require_case(actor, "case.merge", target)
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda item: item.pk)
        locked = {first.pk: lock_case(first, version=None), second.pk: lock_case(second, version=None)}
        source, target = locked[source.pk], locked[target.pk]
        if version is not None and source.version != int(version):
            lock_case(source, version=version)  # raises StaleVersion with the message
        _check_merge(source, target)
        moved = _move_people(source, target)
        _close_as_duplicate(actor, source, target)
        CaseLink.objects.get_or_create(
            from_case=source, to_case=target, kind=LinkKind.DUPLICATE_OF, defaults={"created_by": _user(actor)}
        )
        add_entry(
            target,
            kind=EntryKind.SYSTEM,
            actor=actor,
            public=True,
            data={"event": "merged_in", "from": source.reference, "followers_added": moved},
        )
        save_case(target, [])
        audit_record(
            actor=actor,
            action="service:case:merge",
            obj=source,
            changes={
                "status": {"before": source.status, "after": CaseStatus.CLOSED},
                "merged_into_id": {"before": None, "after": target.pk},
            },
            context={"target_case_id": target.pk, "followers_added": moved},
        )
        events.publish("case.merged", case_id=source.pk, target_id=target.pk)
    return target


def _check_merge(source: Case, target: Case) -> None:
    if source.pk == target.pk:
        raise ValidationError("A case cannot be merged into itself.", field="target")
    if source.merged_into_id:
        raise ValidationError(f"{source.reference} was already merged.", field="source")
    if target.merged_into_id:
        raise ValidationError(
            f"{target.reference} was itself merged; merge into the case it went into.", field="target"
        )


def _move_people(source: Case, target: Case) -> int:
    people = set(source.follower_links.values_list("person_id", flat=True))
    if source.requester_id:
        people.add(source.requester_id)
    if target.requester_id is not None:
        people.discard(target.requester_id)
    existing = set(target.follower_links.values_list("person_id", flat=True))
    new = [CaseFollower(case=target, person_id=pk) for pk in sorted(people - existing)]
    CaseFollower.objects.bulk_create(new)
    return len(new)


def _close_as_duplicate(actor: Any, source: Case, target: Case) -> None:
    from_status = source.status
    now = timezone.now()
    source.status = CaseStatus.CLOSED
    source.merged_into = target
    source.closed_at = now
    source.resolved_at = source.resolved_at or now
    save_case(source, ["status", "merged_into", "closed_at", "resolved_at"])
    add_entry(
        source,
        kind=EntryKind.STATUS_CHANGE,
        actor=actor,
        public=True,
        data={"from": from_status, "to": CaseStatus.CLOSED, "merged_into": target.reference},
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
