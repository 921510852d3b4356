"""Resident self-service: sign-in by emailed link, "my requests", profile with consent, delete my details.

These are the writes and reads a member of the public makes about themselves through the portal.
The people services (`civitas.people.services`) are for staff and check staff permissions; here
the resident is the actor (audit events carry no staff actor and name the person by id), and
every write is scoped to the signed-in person.

Sign-in links (no passwords):
  1. `sign_in_link_request` writes a `SignInLink` (no usable token yet) and publishes
     `person.sign_in_link_requested` (link id only) in the same transaction. The notifications app
     handles that event by queueing the email (`notification_queue_sign_in_link`): the people app
     sits below notifications in the layer contract, so it announces the request instead of calling
     up into it.
  2. When the delivery task sends the email it calls `sign_in_link_issue_token`, which makes a
     fresh random token and stores only its SHA-256; the raw token lives only in the email.
  3. `sign_in_link_redeem` checks the hash (unused, unexpired), marks it used and returns the
     person owning that email (created on first sign-in), the email now a verified contact point.

What is stored, and when:
  - Names and address are "remembered details", kept only while consent STORE_DETAILS is in force.
    Withdrawing it clears them. `resident_prefill` returns them (with contacts and preferences) only
    under that consent.
  - The sign-in email (and a phone, if the resident adds one) are contact points: how we reach the
    resident about their requests. Preferred channel and language are contact preferences.
  - `resident_details_delete` clears everything but the person's id: requests they made stay (with
    no name on them) and the consent history stays, as the law requires.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civitas.audit.services import audit_record
from civitas.core.choices import Language
from civitas.core.errors import ValidationError
from civitas.core.events import publish
from civitas.people.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Person,
    PreferredChannel,
    SignInLink,
)
from civitas.people.normalise import normalise_email, normalise_phone
from civitas.people.selectors import consent_given
from civitas.people.services import (
    CHANGED,
    DUPLICATE,
    _clean_person_fields,
    _clean_text,
    _lock_active_id,
    _masked,
    _point_create,
    consent_record,
)

__all__ = [
    "RESIDENT_CONSENTS",
    "SIGN_IN_LINK_REQUESTED",
    "ResidentCase",
    "ResidentProfile",
    "SignInLinkInvalid",
    "resident_cases",
    "resident_details_delete",
    "resident_person",
    "resident_prefill",
    "resident_profile",
    "resident_profile_save",
    "sign_in_link_issue_token",
    "sign_in_link_redeem",
    "sign_in_link_request",
]

SIGN_IN_LINK_REQUESTED = "person.sign_in_link_requested"
NEXT_PATH_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 300
MY_REQUESTS_LIMIT = 200  # a resident's own list; past this, the newest are shown

# The consents a resident manages on the profile page.
RESIDENT_CONSENTS: tuple[str, ...] = (
    ConsentPurpose.STORE_DETAILS.value,
    ConsentPurpose.EMAIL_UPDATES.value,
    ConsentPurpose.SMS_MESSAGES.value,
)
DETAIL_FIELDS = ("given_name", "family_name", "address")
PREFERENCE_FIELDS = ("preferred_channel", "preferred_language")


class SignInLinkInvalid(ValidationError):
    """A sign-in link that is unknown, already used or expired (`code` says which)."""

    code = "sign_in_link_invalid"


# --- sign-in links --------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in_link_request(*, email: str, language: str, next_path: str = "") -> SignInLink | None:
    """Record a request for a sign-in link to `email` and announce it (the email is queued from the event).

    Raises ValidationError(field="email") for an address that is not valid. The answer to the
    resident must not depend on whether the address is known (the caller shows the same page).
    Returns None only when the address belongs to a record that may not sign in (merged away with
    no survivor); no email is sent then.
    """
    email = normalise_email(email)
    language = language if language in Language.values else Language.ENGLISH
    next_path = (next_path or "")[:NEXT_PATH_MAX_LENGTH]
    now = timezone.now()
    with transaction.atomic():
        person = _person_by_email(email)
        if person is not None and not person.is_active:
            return None
        link = SignInLink.objects.create(
            email=email,
            # An unguessable stand-in hash: the usable token is minted (and its hash stored) when the email is sent.
            token_hash=_hash(secrets.token_urlsafe(32)),
            person=person,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.PORTAL_SIGN_IN_LINK_MINUTES),
            language=language,
            next_path=next_path,
        )
        audit_record(
            actor=None,
            action="portal:sign_in_link:request",
            obj=link,
            person_id=person.pk if person else None,
            context={"known": person is not None},
        )
        publish(SIGN_IN_LINK_REQUESTED, sign_in_link_id=link.pk)
    return link


def sign_in_link_issue_token(*, link: SignInLink) -> str:
    """A fresh random token for `link` (only its SHA-256 is stored); the raw token goes in the email only.

    Called by the delivery task when it sends the email; a second call (a retry) replaces the token.
    Raises SignInLinkInvalid when the link was used or has expired (send nothing then).
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        locked = SignInLink.objects.select_for_update().filter(pk=link.pk).first()
        if locked is None:
            raise SignInLinkInvalid(_("This sign-in link no longer exists."), code="unknown")
        _check_usable(locked, timezone.now())
        locked.token_hash = _hash(token)
        locked.save(update_fields=["token_hash"])
        audit_record(actor=None, action="portal:sign_in_link:issue", obj=locked, person_id=locked.person_id, context={})
    link.token_hash = locked.token_hash
    return token


def sign_in_link_check(*, token: str) -> None:
    """Raise SignInLinkInvalid unless `token` names a link that can still be used (nothing is changed).

    The portal shows a "Sign in" button on GET and redeems on POST: mail scanners that open links
    must not use up a one-time link.
    """
    if not isinstance(token, str) or not token or len(token) > 128:
        raise SignInLinkInvalid(_("This sign-in link is not valid."), code="unknown")
    link = SignInLink.objects.filter(token_hash=_hash(token)).first()
    if link is None:
        raise SignInLinkInvalid(_("This sign-in link is not valid."), code="unknown")
    _check_usable(link, timezone.now())


def sign_in_link_redeem(*, token: str) -> Person:
    """The person the link signs in (created on a first sign-in); the link cannot be used again.

    Raises SignInLinkInvalid (code "unknown", "used" or "expired").
    """
    if not isinstance(token, str) or not token or len(token) > 128:
        raise SignInLinkInvalid(_("This sign-in link is not valid."), code="unknown")
    now = timezone.now()
    with transaction.atomic():
        link = SignInLink.objects.select_for_update().filter(token_hash=_hash(token)).first()
        if link is None:
            raise SignInLinkInvalid(_("This sign-in link is not valid."), code="unknown")
        _check_usable(link, now)
        person, created = _person_for_sign_in(link, now)
        link.used_at, link.person = now, person
        link.save(update_fields=["used_at", "person"])
        audit_record(
            actor=None,
            action="portal:person:sign_in",
            obj=person,
            person_id=person.pk,
            context={"sign_in_link_id": link.pk, "created": created},
        )
        if created:
            publish("person.created", person_id=person.pk)
    return person


def _check_usable(link: SignInLink, now: datetime) -> None:
    if link.used_at is not None:
        raise SignInLinkInvalid(_("This sign-in link has already been used."), code="used")
    if link.expires_at <= now:
        raise SignInLinkInvalid(_("This sign-in link has expired."), code="expired")


def _person_by_email(email: str) -> Person | None:
    point = ContactPoint.objects.filter(kind=ContactKind.EMAIL, value=email).select_related("person").first()
    return point.person.surviving() if point else None


def _person_for_sign_in(link: SignInLink, now: datetime) -> tuple[Person, bool]:
    """The active person owning the link's email (its contact point marked verified), or a new one."""
    point = ContactPoint.objects.select_for_update().filter(kind=ContactKind.EMAIL, value=link.email).first()
    if point is None:
        person = Person.objects.create(preferred_language=link.language, preferred_channel=PreferredChannel.EMAIL)
        point = _point_create(person, ContactKind.EMAIL, link.email, is_primary=True)
        point.verified_at = now
        point.save(update_fields=["verified_at", "updated_at"])
        audit_record(
            actor=None,
            action="portal:person:create",
            obj=person,
            person_id=person.pk,
            changes={"preferred_language": {"before": None, "after": person.preferred_language}},
            context={"contact_point_ids": [point.pk], "via": "sign_in_link"},
        )
        return person, True
    person = point.person.surviving()
    if not person.is_active:
        raise SignInLinkInvalid(_("This sign-in link is not valid."), code="unknown")
    if point.verified_at is None:
        point.verified_at = now
        point.save(update_fields=["verified_at", "updated_at"])
        audit_record(
            actor=None,
            action="portal:contact_point:verify",
            obj=point,
            person_id=person.pk,
            changes={"verified_at": {"before": None, "after": now.isoformat()}},
            context={"kind": point.kind},
        )
    return person, False


# --- the signed-in resident ------------------------------------------------------------------------


def resident_person(person_id: int | None) -> Person | None:
    """The active person a portal session names (following merges), or None."""
    if not isinstance(person_id, int):
        return None
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return None
    person = person.surviving()
    return person if person.is_active else None


@dataclass(frozen=True)
class ResidentCase:
    """One line of "My requests": only what the resident may see about it."""

    reference: str
    service_name: str
    status: str
    created_at: datetime
    updated_at: datetime
    is_mine: bool  # True: the resident made it (tracking link); False: they follow it (public page)
    tracking_token: str = field(repr=False)
    is_public: bool = True  # False when the service type is private (no public page)


def resident_cases(*, person: Person, limit: int = MY_REQUESTS_LIMIT) -> list[ResidentCase]:
    """The cases `person` made and the ones they follow, newest first (two queries).

    Read through Person's reverse relations, so the people app does not import cases.
    """
    mine = person.requested_cases.select_related("service_type").filter(merged_into__isnull=True)
    followed = person.followed_cases.select_related("service_type").filter(merged_into__isnull=True)
    mine = mine.order_by("-created_at", "-id")[:limit]
    followed = followed.order_by("-created_at", "-id")[:limit]
    rows: dict[str, ResidentCase] = {}
    for case in mine:
        rows[case.reference] = _resident_case(case, is_mine=True)
    for case in followed:
        rows.setdefault(case.reference, _resident_case(case, is_mine=False))
    ordered = sorted(rows.values(), key=lambda row: (row.created_at, row.reference), reverse=True)
    return ordered[:limit]


def _resident_case(case: Any, *, is_mine: bool) -> ResidentCase:
    return ResidentCase(
        reference=case.reference,
        service_name=case.service_type.name,
        status=case.status,
        created_at=case.created_at,
        updated_at=case.updated_at,
        is_mine=is_mine,
        tracking_token=case.tracking_token if is_mine else "",
        is_public=not getattr(case.service_type, "is_private", False),
    )


# --- profile ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentProfile:
    person: Person
    emails: list[str]
    phone: str
    consents: dict[str, bool]  # purpose -> in force (False when never given)
    history: list[Consent]  # every statement, newest first


def resident_profile(*, person: Person) -> ResidentProfile:
    """What the profile page shows: details, contact points, consents in force and their history."""
    points = list(ContactPoint.objects.filter(person=person).order_by("kind", "-is_primary", "id"))
    history = list(Consent.objects.filter(person=person).order_by("-recorded_at", "-id"))
    in_force: dict[str, bool] = {}
    for consent in history:
        in_force.setdefault(consent.purpose, consent.given)
    return ResidentProfile(
        person=person,
        emails=[p.value for p in points if p.kind == ContactKind.EMAIL],
        phone=next((p.value for p in points if p.kind == ContactKind.PHONE), ""),
        consents={purpose: in_force.get(purpose, False) for purpose in RESIDENT_CONSENTS},
        history=history,
    )


def resident_prefill(person_id: int | None) -> dict[str, str]:
    """Values to prefill a report form for a signed-in resident; {} without consent STORE_DETAILS.

    Keys: given_name, family_name, address, email, phone, preferred_channel, preferred_language.
    """
    person = resident_person(person_id)
    if person is None or not _consent_in_force(person, ConsentPurpose.STORE_DETAILS):
        return {}
    points = ContactPoint.objects.filter(person=person).order_by("kind", "-is_primary", "id")
    first: dict[str, str] = {}
    for point in points:
        first.setdefault(point.kind, point.value)
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "address": person.address,
        "email": first.get(ContactKind.EMAIL, ""),
        "phone": first.get(ContactKind.PHONE, ""),
        "preferred_channel": person.preferred_channel,
        "preferred_language": person.preferred_language,
    }


def resident_profile_save(
    *,
    person: Person,
    consents: dict[str, bool],
    given_name: str = "",
    family_name: str = "",
    address: str = "",
    phone: str = "",
    preferred_channel: str = PreferredChannel.EMAIL,
    preferred_language: str = Language.ENGLISH,
) -> list[str]:
    """Save the profile form: consents first (each change recorded), then details and preferences.

    Names and address are stored only under consent STORE_DETAILS; withdrawing it clears them.
    Typing them without that consent is refused (field "store_details") so nothing is silently dropped.
    Returns the names of what changed (for the confirmation message). Raises ValidationError naming
    the field on bad input; nothing is saved then.
    """
    details = {
        "given_name": _clean_text(given_name, "given_name", 150),
        "family_name": _clean_text(family_name, "family_name", 150),
        "address": _clean_text(address, "address", ADDRESS_MAX_LENGTH),
    }
    preferences = _clean_person_fields(
        {"preferred_channel": preferred_channel, "preferred_language": preferred_language}
    )
    phone_value = normalise_phone(phone) if (phone or "").strip() else ""
    wanted: dict[str, bool] = {purpose: bool(consents.get(purpose, False)) for purpose in RESIDENT_CONSENTS}
    if preferences["preferred_channel"] == PreferredChannel.SMS and not (phone_value and wanted["sms_messages"]):
        raise ValidationError(
            _("To get text messages, give a mobile phone number and tick 'Send me text messages'."),
            field="preferred_channel",
        )
    with transaction.atomic():
        locked = _lock_active_id(person.pk)
        had_details = _consent_in_force(locked, ConsentPurpose.STORE_DETAILS)
        if not wanted[ConsentPurpose.STORE_DETAILS] and not had_details and any(details.values()):
            raise ValidationError(
                _("To keep your name and address, tick 'Keep my details to fill in forms'."),
                field="store_details",
            )
        changed: list[str] = [purpose for purpose, given in wanted.items() if _consent_set(locked, purpose, given)]
        if not wanted[ConsentPurpose.STORE_DETAILS]:
            details = dict.fromkeys(DETAIL_FIELDS, "")
        changed += _person_set(locked, {**details, **preferences})
        changed += _phone_set(locked, phone_value)
    _refresh(person, locked)
    return changed


def resident_details_delete(*, person: Person) -> None:
    """Delete what we keep about the resident: names, address, contact points, sign-in links.

    Consents in force are withdrawn (recorded: the history stays, as the law requires); requests
    they made stay, without their name, so the work can finish. The person row (an id) remains.
    """
    with transaction.atomic():
        locked = _lock_active_id(person.pk)
        withdrawn = [purpose for purpose in ConsentPurpose.values if _consent_set(locked, purpose, False)]
        cleared = _person_set(locked, {**dict.fromkeys(DETAIL_FIELDS, ""), "preferred_channel": "none"})
        points = list(ContactPoint.objects.filter(person=locked).values_list("pk", "kind", "value"))
        emails = [value for _pk, kind, value in points if kind == ContactKind.EMAIL]
        ContactPoint.objects.filter(person=locked).delete()
        links = SignInLink.objects.filter(Q(person=locked) | Q(email__in=emails))
        _total, per_model = links.delete()
        links_deleted = per_model.get(SignInLink._meta.label, 0)
        audit_record(
            actor=None,
            action="portal:person:details_deleted",
            obj=locked,
            person_id=locked.pk,
            changes={name: {"before": CHANGED, "after": ""} for name in cleared if name in DETAIL_FIELDS},
            context={
                "contact_point_ids": [pk for pk, _kind, _value in points],
                "consents_withdrawn": withdrawn,
                "sign_in_links_deleted": links_deleted,
            },
        )
    _refresh(person, locked)


# --- helpers ------------------------------------------------------------------------------------------


def _consent_in_force(person: Person, purpose: str) -> bool:
    return consent_given(person=person, purpose=purpose)


def _consent_set(person: Person, purpose: str, given: bool) -> bool:
    """Record a statement (through consent_record) when it changes what is in force."""
    if _consent_in_force(person, purpose) == given:
        return False
    consent_record(actor=None, person=person, purpose=purpose, given=given, method=ConsentMethod.WEB_FORM)
    return True


def _person_set(person: Person, values: dict[str, str]) -> list[str]:
    changes = {name: value for name, value in values.items() if getattr(person, name) != value}
    if not changes:
        return []
    before = {name: getattr(person, name) for name in changes}
    for name, value in changes.items():
        setattr(person, name, value)
    person.save(update_fields=[*changes, "updated_at"])
    diff = {name: {"before": before[name], "after": changes[name]} for name in changes}
    audit_record(
        actor=None,
        action="portal:person:update",
        obj=person,
        person_id=person.pk,
        changes=_masked({name: _mask_address(name, change) for name, change in diff.items()}),
    )
    publish("person.updated", person_id=person.pk)
    return list(changes)


def _mask_address(name: str, change: dict[str, str]) -> dict[str, str]:
    if name != "address":
        return change
    return {key: (CHANGED if value else value) for key, value in change.items()}


def _phone_set(person: Person, phone: str) -> list[str]:
    """Make `phone` the resident's one phone (blank: remove theirs). Someone else's number is refused."""
    current = list(ContactPoint.objects.select_for_update().filter(person=person, kind=ContactKind.PHONE))
    if phone and any(point.value == phone for point in current):
        stale = [point for point in current if point.value != phone]
    else:
        stale = current
    for point in stale:
        audit_record(
            actor=None,
            action="portal:contact_point:remove",
            obj=point,
            person_id=person.pk,
            changes={"value": {"before": CHANGED, "after": None}},
            context={"kind": point.kind},
        )
        point.delete()
    if not phone or any(point.value == phone for point in current):
        return ["phone"] if stale else []
    try:
        point = _point_create(person, ContactKind.PHONE, phone, is_primary=True)
    except ValidationError as exc:
        if exc.code != DUPLICATE:
            raise
        raise ValidationError(
            _("We could not save this phone number. If it is yours, contact us and we will add it."), field="phone"
        ) from None
    audit_record(
        actor=None,
        action="portal:contact_point:add",
        obj=point,
        person_id=person.pk,
        changes={"value": {"before": None, "after": CHANGED}, "is_primary": {"before": None, "after": True}},
        context={"kind": point.kind},
    )
    return ["phone"]


def _refresh(person: Person, locked: Person) -> None:
    if person is not locked:
        for name in (*DETAIL_FIELDS, *PREFERENCE_FIELDS, "updated_at"):
            setattr(person, name, getattr(locked, name))
