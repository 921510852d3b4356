"""Writes for people, contact points and consent.

Each service checks the permission (organisation-wide: person records are shared by every
department), enforces its invariants, writes, and appends an audit event in the same
transaction. Audit events never carry personal values: names, emails and phones appear as
"<changed>" markers and rows are referenced by id, so erasing a person leaves the chain whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from civitas.accounts.permissions import require
from civitas.audit.services import audit_record, diff
from civitas.core.choices import Language
from civitas.core.errors import NotFound, ValidationError
from civitas.core.events import publish
from civitas.people.models import (
    CONSENT_NOTE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    Consent,
    ConsentMethod,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Person,
    PreferredChannel,
)
from civitas.people.normalise import normalise_contact, normalise_email, normalise_phone
from civitas.people.relations import RepointResult, repoint_references

__all__ = [
    "CHANGED",
    "consent_record",
    "contact_point_add",
    "contact_point_remove",
    "contact_point_set_primary",
    "normalise_email",
    "normalise_phone",
    "person_create",
    "person_find_or_create_by_contact",
    "person_merge",
    "person_update",
]

CHANGED = "<changed>"  # what the audit trail shows instead of a personal value
PERSONAL_FIELDS = frozenset({"given_name", "family_name", "value", "note"})
NAME_FIELDS = ("given_name", "family_name")
PERSON_FIELDS = (*NAME_FIELDS, "preferred_language", "preferred_channel")
DUPLICATE = "duplicate"  # ValidationError.code when a contact point belongs to someone else

CLOCK_SKEW = timedelta(minutes=5)  # tolerated when a client sends the time a statement was made

Contact = tuple[str, str]  # (kind, normalised value)


# --- persons ------------------------------------------------------------------------------------


def person_create(
    *,
    actor: Any,
    given_name: str = "",
    family_name: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    preferred_language: str = Language.ENGLISH,
    preferred_channel: str = PreferredChannel.EMAIL,
) -> Person:
    """Create a person with their contact points; refuses an email or phone that is someone else's."""
    require(actor, "person.create")
    values = _clean_person_fields(
        {
            "given_name": given_name,
            "family_name": family_name,
            "preferred_language": preferred_language,
            "preferred_channel": preferred_channel,
        }
    )
    contacts = _clean_contacts(emails=emails, phones=phones)
    return _insert_person(actor, values, contacts)


def _insert_person(actor: Any, values: dict[str, str], contacts: list[tuple[str, str, bool]]) -> Person:
    with transaction.atomic():
        _refuse_taken(contacts)
        person = Person.objects.create(**values)
        points = [_point_create(person, kind, value, is_primary=primary) for kind, value, primary in contacts]
        audit_record(
            actor=actor,
            action="service:person:create",
            obj=person,
            person_id=person.pk,
            changes=_masked(diff({}, values)),
            context={"contact_point_ids": [point.pk for point in points]},
        )
        publish("person.created", person_id=person.pk)
    return person


def person_update(*, actor: Any, person: Person, **fields: str) -> Person:
    """Change names and preferences; returns the person (unchanged and unaudited when nothing changed)."""
    require(actor, "person.update")
    unknown = sorted(set(fields) - set(PERSON_FIELDS))
    if unknown:
        raise ValidationError(f"{unknown[0]!r} cannot be changed here.", field=unknown[0])
    cleaned = _clean_person_fields(fields)
    with transaction.atomic():
        locked = _lock_active(person)
        changes = diff({name: getattr(locked, name) for name in cleaned}, cleaned)
        if not changes:
            return locked
        for name in changes:
            setattr(locked, name, cleaned[name])
        locked.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, action="service:person:update", obj=locked, person_id=locked.pk, changes=_masked(changes)
        )
        publish("person.updated", person_id=locked.pk)
    _copy_fields(locked, person, [*changes, "updated_at"])
    return locked


def person_find_or_create_by_contact(
    *,
    actor: Any,
    email: str | None = None,
    phone: str | None = None,
    given_name: str = "",
    family_name: str = "",
    preferred_language: str = Language.ENGLISH,
    preferred_channel: str = PreferredChannel.EMAIL,
) -> tuple[Person, bool]:
    """The (surviving) person owning `email` or `phone`, else a new one: (person, created).

    Intake channels call this; `actor` None is the public through a public channel (the portal).
    An email match wins over a phone match. When a match is found, the other contact given is
    attached to that person if nobody else owns it ("tell us once"); names and preferences of an
    existing person are never overwritten from intake (they apply to a new person only).
    """
    if actor is not None:
        require(actor, "person.create")
    new_values = _clean_person_fields(
        {
            "given_name": given_name,
            "family_name": family_name,
            "preferred_language": preferred_language,
            "preferred_channel": preferred_channel,
        }
    )
    contacts = _intake_contacts(email=email, phone=phone)
    with transaction.atomic():
        person = _match(contacts)
        if person is None:
            try:
                with transaction.atomic():
                    return _create_from_intake(actor, contacts, new_values), True
            except ValidationError as exc:
                if exc.code != DUPLICATE:
                    raise
            # Another process created them between our look-up and our insert.
            person = _match(contacts)
            if person is None:  # pragma: no cover - only if the other writer then removed it
                raise ValidationError("Please try again.", field="email", code=DUPLICATE)
        _attach_free_contacts(actor, person, contacts)
    return person, False


def person_merge(*, actor: Any, source: Person, target: Person) -> Person:
    """Merge `source` into `target`; every reference to `source` now points at `target`.

    Contact points and consent history move; every foreign key and many-to-many row that
    points at `source` (in any app) is re-pointed, and a row that would duplicate one the
    target already has is dropped. Blank names of `target` are filled from `source`.
    `source` stays as an inactive stub with `merged_into=target`.
    """
    require(actor, "person.merge")
    if source.pk == target.pk:
        raise ValidationError("A person cannot be merged into themselves.", field="target")
    with transaction.atomic():
        src, tgt = _lock_pair(source, target)
        _check_mergeable(src, tgt)
        filled = _fill_blanks(src, tgt)
        moved = _move_contact_points(src, tgt) + _move_consents(src, tgt)
        moved += _repoint_all(src, tgt)
        src.is_active, src.merged_into, src.merged_at = False, tgt, timezone.now()
        src.save(update_fields=["is_active", "merged_into", "merged_at", "updated_at"])
        _audit_merge(actor, src, tgt, filled=filled, moved=moved)
        publish("person.merged", person_id=tgt.pk, source_id=src.pk)
    _copy_fields(src, source, ["is_active", "merged_into", "merged_at", "updated_at"])
    _copy_fields(tgt, target, [*filled, "updated_at"])
    return tgt


# --- contact points -----------------------------------------------------------------------------


def contact_point_add(*, actor: Any, person: Person, kind: str, value: str, is_primary: bool = False) -> ContactPoint:
    """Add an email or phone to `person` (idempotent for their own); refuses someone else's.

    The first contact point of a kind becomes primary; `is_primary=True` moves primary to this one.
    """
    require(actor, "person.update")
    kind = _clean_kind(kind)
    value = normalise_contact(kind, value)
    with transaction.atomic():
        locked = _lock_active(person)
        existing = ContactPoint.objects.filter(kind=kind, value=value).first()
        if existing is not None and existing.person_id != locked.pk:
            raise _taken(kind)
        if existing is not None:
            if is_primary and not existing.is_primary:
                _set_primary(actor, existing)
            return existing
        return _add_point(actor, locked, kind, value, is_primary=is_primary)


def contact_point_set_primary(*, actor: Any, contact_point: ContactPoint) -> ContactPoint:
    """Make `contact_point` the primary one of its kind for its person."""
    require(actor, "person.update")
    with transaction.atomic():
        _person, point = _lock_point(contact_point)
        if not point.is_primary:
            _set_primary(actor, point)
    contact_point.is_primary = True
    return point


def contact_point_remove(*, actor: Any, contact_point: ContactPoint) -> None:
    """Remove a contact point; when it was primary, the oldest other one of its kind takes over."""
    require(actor, "person.update")
    with transaction.atomic():
        person, point = _lock_point(contact_point)
        promoted = _successor(point) if point.is_primary else None
        audit_record(
            actor=actor,
            action="service:contact_point:remove",
            obj=point,
            person_id=person.pk,
            changes={"value": {"before": CHANGED, "after": None}},
            context={"kind": point.kind, "promoted_id": promoted.pk if promoted else None},
        )
        point.delete()
        if promoted is not None:
            promoted.is_primary = True
            promoted.save(update_fields=["is_primary", "updated_at"])


# --- consent ------------------------------------------------------------------------------------


def consent_record(
    *,
    actor: Any,
    person: Person,
    purpose: str,
    given: bool,
    method: str,
    note: str = "",
    recorded_at: datetime | None = None,
) -> Consent:
    """Append a consent statement (given or withdrawn) for one purpose; the latest one is in force.

    `recorded_at` (default now) is when the person stated it, e.g. the date on a paper form typed
    in later; a statement older than the one in force is kept as history and changes nothing.
    `actor` None is the person themselves through a public channel (the portal's web forms).
    """
    if actor is not None:
        require(actor, "person.consent")
    _check_choice(purpose, ConsentPurpose, "purpose")
    _check_choice(method, ConsentMethod, "method")
    if not isinstance(given, bool):
        raise ValidationError("Say whether consent was given (true) or withdrawn (false).", field="given")
    note = _clean_text(note, "note", CONSENT_NOTE_MAX_LENGTH)
    recorded_at = _check_recorded_at(recorded_at)
    with transaction.atomic():
        locked = _lock_active(person)
        before = _consent_in_force(locked, purpose)
        consent = Consent.objects.create(
            person=locked,
            purpose=purpose,
            given=given,
            method=method,
            note=note,
            recorded_at=recorded_at,
            recorded_by=_user_or_none(actor),
        )
        audit_record(
            actor=actor,
            action="service:consent:record",
            obj=consent,
            person_id=locked.pk,
            changes={"given": {"before": before, "after": _consent_in_force(locked, purpose)}},
            context={"purpose": purpose, "method": method, "stated": given, "has_note": bool(note)},
        )
        publish("person.consent_recorded", person_id=locked.pk, consent_id=consent.pk)
    return consent


def _consent_in_force(person: Person, purpose: str) -> bool | None:
    latest = Consent.objects.filter(person=person, purpose=purpose).order_by("-recorded_at", "-id").first()
    return latest.given if latest else None


def _check_recorded_at(value: datetime | None) -> datetime:
    now = timezone.now()
    if value is None:
        return now
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise ValidationError("Give the date and time with a time zone.", field="recorded_at")
    if value > now + CLOCK_SKEW:
        raise ValidationError("Consent cannot be recorded in the future.", field="recorded_at")
    return value


# --- validation helpers -------------------------------------------------------------------------


def _clean_person_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in fields.items():
        if name in NAME_FIELDS:
            cleaned[name] = _clean_text(value, name, NAME_MAX_LENGTH)
        elif name == "preferred_language":
            cleaned[name] = _check_choice(value, Language, name)
        elif name == "preferred_channel":
            cleaned[name] = _check_choice(value, PreferredChannel, name)
    return cleaned


def _clean_text(value: Any, field: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("Enter text.", field=field)
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(f"Use at most {max_length} characters.", field=field)
    if "\x00" in value:
        raise ValidationError("Remove the NUL character.", field=field)
    return value


def _check_choice(value: Any, choices: type[Any], field: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationError(f"{value!r} is not a valid choice; use one of: {allowed}.", field=field)
    return str(value)


def _clean_kind(kind: Any) -> str:
    return _check_choice(kind, ContactKind, "kind")


def _clean_contacts(*, emails: Iterable[str], phones: Iterable[str]) -> list[tuple[str, str, bool]]:
    """(kind, normalised value, is_primary) without repeats; the first of each kind is primary."""
    if isinstance(emails, str) or isinstance(phones, str):
        raise TypeError("emails and phones take a list of values, not one string")
    seen: dict[Contact, None] = {}
    for email in emails:
        seen.setdefault((ContactKind.EMAIL.value, normalise_email(email)), None)
    for phone in phones:
        seen.setdefault((ContactKind.PHONE.value, normalise_phone(phone)), None)
    kinds: set[str] = set()
    contacts = []
    for kind, value in seen:
        contacts.append((kind, value, kind not in kinds))
        kinds.add(kind)
    return contacts


def _intake_contacts(*, email: str | None, phone: str | None) -> list[Contact]:
    if not email and not phone:
        raise ValidationError("Give an email address or a phone number.", field="email")
    contacts = []
    if email:
        contacts.append((ContactKind.EMAIL.value, normalise_email(email)))
    if phone:
        contacts.append((ContactKind.PHONE.value, normalise_phone(phone)))
    return contacts


def _taken(kind: str) -> ValidationError:
    label = "email address" if kind == ContactKind.EMAIL else "phone number"
    return ValidationError(f"This {label} already belongs to another person.", field=kind, code=DUPLICATE)


def _refuse_taken(contacts: Iterable[tuple[str, str, bool]]) -> None:
    for kind, value, _primary in contacts:
        if ContactPoint.objects.filter(kind=kind, value=value).exists():
            raise _taken(kind)


# --- locking and small writes -------------------------------------------------------------------


def _lock_active(person: Person) -> Person:
    """The person's row, locked for this transaction; refuses a record that was merged away."""
    return _lock_active_id(person.pk)


def _lock_active_id(person_id: int) -> Person:
    locked = Person.objects.select_for_update().filter(pk=person_id).first()
    if locked is None:
        raise NotFound("Not found.", field="person")
    if locked.merged_into_id is not None:
        raise ValidationError(
            f"This record was merged into Person #{locked.merged_into_id}; make changes there.",
            field="person",
            code="merged",
        )
    if not locked.is_active:
        raise ValidationError("This record is no longer active.", field="person", code="inactive")
    return locked


def _lock_point(contact_point: ContactPoint) -> tuple[Person, ContactPoint]:
    """The contact point's person, then the point, locked in that order (as every service locks)."""
    person_id = ContactPoint.objects.filter(pk=contact_point.pk).values_list("person_id", flat=True).first()
    if person_id is None:
        raise NotFound("Not found.", field="contact_point")
    person = _lock_active_id(person_id)
    point = ContactPoint.objects.select_for_update().filter(pk=contact_point.pk, person=person).first()
    if point is None:  # removed or moved by a merge meanwhile
        raise NotFound("Not found.", field="contact_point")
    return person, point


def _point_create(person: Person, kind: str, value: str, *, is_primary: bool) -> ContactPoint:
    """Insert one contact point; a unique clash (a concurrent writer) becomes a ValidationError."""
    try:
        with transaction.atomic():
            return ContactPoint.objects.create(person=person, kind=kind, value=value, is_primary=is_primary)
    except IntegrityError:
        raise _taken(kind) from None


def _add_point(actor: Any, person: Person, kind: str, value: str, *, is_primary: bool) -> ContactPoint:
    current = ContactPoint.objects.select_for_update().filter(person=person, kind=kind, is_primary=True).first()
    if is_primary and current is not None:
        _demote(current)
    point = _point_create(person, kind, value, is_primary=is_primary or current is None)
    audit_record(
        actor=actor,
        action="service:contact_point:add",
        obj=point,
        person_id=person.pk,
        changes={
            "value": {"before": None, "after": CHANGED},
            "is_primary": {"before": None, "after": point.is_primary},
        },
        context={"kind": kind},
    )
    return point


def _set_primary(actor: Any, point: ContactPoint) -> None:
    current = (
        ContactPoint.objects.select_for_update()
        .filter(person_id=point.person_id, kind=point.kind, is_primary=True)
        .first()
    )
    if current is not None:
        _demote(current)
    point.is_primary = True
    point.save(update_fields=["is_primary", "updated_at"])
    audit_record(
        actor=actor,
        action="service:contact_point:update",
        obj=point,
        person_id=point.person_id,
        changes={"is_primary": {"before": False, "after": True}},
        context={"kind": point.kind, "demoted_id": current.pk if current else None},
    )


def _demote(point: ContactPoint) -> None:
    point.is_primary = False
    point.save(update_fields=["is_primary", "updated_at"])


def _successor(point: ContactPoint) -> ContactPoint | None:
    others = ContactPoint.objects.filter(person_id=point.person_id, kind=point.kind).exclude(pk=point.pk)
    return others.order_by("created_at", "id").first()


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None


def _copy_fields(source: Person, dest: Person, names: Iterable[str]) -> None:
    if source is not dest:
        for name in names:
            setattr(dest, name, getattr(source, name))


def _masked(changes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Before/after for the audit trail, with personal values replaced by a marker."""
    return {name: _mask_change(name, change) for name, change in changes.items()}


def _mask_change(name: str, change: Mapping[str, Any]) -> dict[str, Any]:
    if name not in PERSONAL_FIELDS:
        return dict(change)
    return {key: (CHANGED if value not in (None, "") else value) for key, value in change.items()}


# --- intake -------------------------------------------------------------------------------------


def _match(contacts: list[Contact]) -> Person | None:
    for kind, value in contacts:  # email first: the more specific identity
        point = ContactPoint.objects.filter(kind=kind, value=value).select_related("person").first()
        if point is not None:
            return point.person.surviving()
    return None


def _create_from_intake(actor: Any, contacts: list[Contact], values: dict[str, str]) -> Person:
    cleaned = _clean_contacts(
        emails=[value for kind, value in contacts if kind == ContactKind.EMAIL],
        phones=[value for kind, value in contacts if kind == ContactKind.PHONE],
    )
    return _insert_person(actor, values, cleaned)


def _attach_free_contacts(actor: Any, person: Person, contacts: list[Contact]) -> None:
    """Attach the contacts nobody owns yet; one already theirs or someone else's stays where it is."""
    free = [(kind, value) for kind, value in contacts if not _owned(kind, value)]
    if not free or not person.is_active:
        return
    locked = _lock_active(person)
    for kind, value in free:
        try:
            _add_point(actor, locked, kind, value, is_primary=False)
        except ValidationError as exc:  # a concurrent writer took it first
            if exc.code != DUPLICATE:
                raise


def _owned(kind: str, value: str) -> bool:
    return ContactPoint.objects.filter(kind=kind, value=value).exists()


# --- merge --------------------------------------------------------------------------------------


def _lock_pair(source: Person, target: Person) -> tuple[Person, Person]:
    """Both rows locked in primary-key order (so two merges cannot deadlock)."""
    rows = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")}
    if source.pk not in rows:
        raise NotFound("Not found.", field="source")
    if target.pk not in rows:
        raise NotFound("Not found.", field="target")
    return rows[source.pk], rows[target.pk]


def _check_mergeable(src: Person, tgt: Person) -> None:
    if not src.is_active:
        raise ValidationError("This person has already been merged away or deactivated.", field="source")
    if not tgt.is_active:
        where = f"; merge into Person #{tgt.merged_into_id} instead" if tgt.merged_into_id else ""
        raise ValidationError(f"Cannot merge into an inactive person{where}.", field="target")


def _fill_blanks(src: Person, tgt: Person) -> dict[str, dict[str, Any]]:
    """Copy the source's value of each field the target has blank; returns the audit diff."""
    before = {name: getattr(tgt, name) for name in PERSON_FIELDS}
    for name in PERSON_FIELDS:
        if not getattr(tgt, name) and getattr(src, name):
            setattr(tgt, name, getattr(src, name))
    changes = diff(before, {name: getattr(tgt, name) for name in PERSON_FIELDS})
    if changes:
        tgt.save(update_fields=[*changes, "updated_at"])
    return changes


def _move_contact_points(src: Person, tgt: Person) -> list[RepointResult]:
    """Move contact points; the target keeps its own primary of each kind where it has one."""
    target_primary = set(ContactPoint.objects.filter(person=tgt, is_primary=True).values_list("kind", flat=True))
    now = timezone.now()
    ContactPoint.objects.filter(person=src, is_primary=True, kind__in=target_primary).update(
        is_primary=False, updated_at=now
    )
    moved = ContactPoint.objects.filter(person=src).update(person=tgt, updated_at=now)
    return [RepointResult(label="people.contactpoint.person", moved=moved)] if moved else []


def _move_consents(src: Person, tgt: Person) -> list[RepointResult]:
    """Move the whole consent history: the latest statement per purpose, from either, is in force."""
    moved = Consent.objects.filter(person=src).update(person=tgt)
    return [RepointResult(label="people.consent.person", moved=moved)] if moved else []


def _repoint_all(src: Person, tgt: Person) -> list[RepointResult]:
    try:
        return repoint_references(source=src, target=tgt)
    except (IntegrityError, ProtectedError) as exc:
        raise ValidationError(
            f"These records cannot be merged automatically ({type(exc).__name__}); ask an administrator.",
            field="source",
            code="merge_blocked",
        ) from exc


def _audit_merge(
    actor: Any, src: Person, tgt: Person, *, filled: Mapping[str, Any], moved: list[RepointResult]
) -> None:
    context = {
        "source_id": src.pk,
        "target_id": tgt.pk,
        "moved": {result.label: result.moved for result in moved if result.moved},
        "dropped": {result.label: result.dropped for result in moved if result.dropped},
    }
    audit_record(
        actor=actor,
        action="service:person:merge",
        obj=tgt,
        person_id=tgt.pk,
        changes=_masked(filled),
        context={**context, "role": "target"},
    )
    audit_record(
        actor=actor,
        action="service:person:merge",
        obj=src,
        person_id=src.pk,
        changes={"is_active": {"before": True, "after": False}, "merged_into": {"before": None, "after": tgt.pk}},
        context={**context, "role": "source"},
    )
