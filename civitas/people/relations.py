"""Re-pointing every reference to one row onto another (used by person merge).

Generic on purpose: `people` must not import the apps that point at `Person` (cases,
notifications, …), so the walker discovers them from the model's reverse relations.

Every reverse relation is a column somewhere: a ForeignKey or OneToOneField on another
model, or the ForeignKey inside a many-to-many's through table (auto-created or explicit).
So the walker handles only those foreign keys — including hidden ones (`related_name="+"`
and the auto-created through tables), which `Model._meta.related_objects` leaves out — and
many-to-many fields in either direction are covered through their through tables.

A row that cannot be moved because the target already has its twin under a unique
constraint (both people follow the same case; both have a primary email) is a duplicate
and is deleted. Call inside a transaction: nothing is committed here.

Not covered: generic foreign keys (content type + object id) and plain integer columns such
as `AuditEvent.person_id` — the audit trail keeps the id it recorded, by design.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, ForeignObjectRel, OuterRef, Q


@dataclass(frozen=True)
class Reference:
    """One foreign-key column pointing at the model being merged."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"


@dataclass(frozen=True)
class UniqueSet:
    """A unique constraint that includes the reference column: the other columns and its condition."""

    others: tuple[str, ...]
    condition: Q | None = None


@dataclass
class RepointResult:
    label: str
    moved: int = 0
    dropped: int = 0


def references_to(model: type[models.Model]) -> list[Reference]:
    """Every foreign key (on any installed model, hidden or not) that points at `model`."""
    found: dict[str, Reference] = {}
    for rel in model._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
            continue  # forward fields, and M2M (handled through their through-table foreign keys)
        field = rel.field
        if not isinstance(field, models.ForeignKey) or _is_structural(field):
            continue
        ref = Reference(model=rel.related_model, field=field)  # type: ignore[arg-type]
        if ref.model._meta.managed and not ref.model._meta.proxy:
            found.setdefault(ref.label, ref)
    return [found[label] for label in sorted(found)]


def unique_sets(ref: Reference) -> list[UniqueSet]:
    """The unique constraints of `ref.model` that include `ref.field` (which a move could break)."""
    name = ref.field.name
    opts = ref.model._meta
    sets: list[UniqueSet] = []
    if ref.field.unique:  # OneToOneField, or ForeignKey(unique=True)
        sets.append(UniqueSet(others=()))
    for fields in opts.unique_together:
        if name in fields:
            sets.append(UniqueSet(others=tuple(f for f in fields if f != name)))
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and name in constraint.fields:
            others = tuple(f for f in constraint.fields if f != name)
            sets.append(UniqueSet(others=others, condition=constraint.condition))
    return sets


def repoint_references(
    *, source: models.Model, target: models.Model, exclude: Iterable[str] = ()
) -> list[RepointResult]:
    """Move every reference from `source` to `target` (same model); drop rows that would clash."""
    if type(source) is not type(target):
        raise TypeError("source and target must be rows of the same model")
    skipped = set(exclude)
    results = []
    for ref in references_to(type(source)):
        if ref.label in skipped:
            continue
        result = repoint(ref, source=source, target=target)
        if result.moved or result.dropped:
            results.append(result)
    return results


def repoint(ref: Reference, *, source: models.Model, target: models.Model) -> RepointResult:
    result = RepointResult(label=ref.label)
    for unique in unique_sets(ref):
        result.dropped += _drop_clashes(ref, unique, source=source, target=target)
    result.moved = _rows(ref, source).update(**{ref.field.name: target})
    return result


def _drop_clashes(ref: Reference, unique: UniqueSet, *, source: models.Model, target: models.Model) -> int:
    """Delete `source`'s rows whose twin (same other columns) already points at `target`."""
    twins = _rows(ref, target)
    if unique.condition is not None:
        twins = twins.filter(unique.condition)
    twins = twins.filter(**{other: OuterRef(other) for other in unique.others})
    clashing = _rows(ref, source)
    if unique.condition is not None:
        clashing = clashing.filter(unique.condition)
    clashing = clashing.filter(Exists(twins))
    if not clashing.exists():
        return 0
    # Delete by primary key: a DELETE with a subquery on its own table is refused by some databases.
    pks = list(clashing.values_list("pk", flat=True))
    _deleted, per_model = ref.model._base_manager.filter(pk__in=pks).delete()
    return per_model.get(ref.model._meta.label, 0)


def _rows(ref: Reference, obj: models.Model) -> models.QuerySet:
    return ref.model._base_manager.filter(**{ref.field.name: obj})


def _is_structural(field: models.ForeignKey) -> bool:
    """Primary keys and multi-table-inheritance parent links identify a row: never re-point them."""
    return bool(field.primary_key or getattr(field.remote_field, "parent_link", False))
