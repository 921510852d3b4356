"""Queueing and delivering notifications to residents.

Queueing (from the event handlers and `notification_queue_sign_in_link`) writes one `Notification` row per
(kind, case, person, entry) and enqueues its delivery task in the same transaction. Delivery
(`notification_deliver`, run by the task) renders the message in the row's language at send time — so rows hold
ids, never text — sends it through Django's mail API and marks the row sent (with an audit event) or, after
`MAX_ATTEMPTS` failures, failed. Addresses are read at send time and never logged or stored here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from civitas.audit.services import audit_record
from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.cases.states import CaseStatus
from civitas.core.tasks import MAX_ATTEMPTS, backoff_seconds
from civitas.notifications import rendering
from civitas.notifications.models import Notification, NotificationChannel, NotificationKind, NotificationStatus
from civitas.people.models import ConsentPurpose, ContactKind, Person, PreferredChannel, SignInLink
from civitas.people.residents import SignInLinkInvalid
from civitas.people.selectors import current_consents

logger = logging.getLogger(__name__)

SMS_WAITING = "waiting for the SMS transport (issue 6)"
# Why a notification was not sent: shown to staff in the admin; never personal data.
SKIP_REASONS = {
    PreferredChannel.NONE: "the person asked not to be contacted",
    PreferredChannel.PHONE: "the person prefers phone calls: no automatic message",
    PreferredChannel.POST: "the person prefers post: no automatic message",
}
NO_EMAIL = "no email address on file"
NO_PHONE = "no mobile number on file"
CONSENT_WITHDRAWN = "the person withdrew consent to be contacted about requests"
LINK_SPENT = "the sign-in link was already used or has expired"


# --- queueing ---------------------------------------------------------------------------------------


def notifications_queue_for_case(
    *, case: Case, kind: str, entry: TimelineEntry | None, include_followers: bool
) -> list[Notification]:
    """Queue `kind` for the requester (and followers); returns the rows created now (none on a re-run).

    A RESOLVED notice goes to followers as a plain resolved notice: the survey link is only rendered for the
    requester (decided at send time from `case.requester`).
    """
    created: list[Notification] = []
    with transaction.atomic():
        for person in _recipients(case, include_followers=include_followers):
            notification = _queue_case_notification(kind=kind, case=case, person=person, entry=entry)
            if notification is not None:
                created.append(notification)
    return created


def notification_queue_sign_in_link(*, link: SignInLink) -> Notification:
    """Queue the email carrying a sign-in link (the token itself is issued at send time, never stored).

    Idempotent: one notification per link (a second call returns the first and enqueues nothing).
    """
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            kind=NotificationKind.SIGN_IN_LINK,
            sign_in_link=link,
            defaults={"channel": NotificationChannel.EMAIL, "language": link.language, "person": link.person},
        )
        if created:
            _enqueue_delivery(notification)
    return notification


def _recipients(case: Case, *, include_followers: bool) -> list[Person]:
    people: list[Person] = []
    if case.requester is not None:
        people.append(case.requester.surviving())
    if include_followers:
        for follower in Person.objects.filter(case_follows__case=case).order_by("case_follows__created_at", "id"):
            people.append(follower.surviving())
    unique: dict[int, Person] = {}
    for person in people:
        unique.setdefault(person.pk, person)
    return list(unique.values())


def _queue_case_notification(
    *, kind: str, case: Case, person: Person, entry: TimelineEntry | None
) -> Notification | None:
    channel, skip_reason = _channel_for(person)
    notification, created = Notification.objects.get_or_create(
        kind=kind,
        case=case,
        person=person,
        entry=entry,
        defaults={
            "channel": channel,
            "language": person.preferred_language,
            "status": NotificationStatus.SKIPPED if skip_reason else NotificationStatus.QUEUED,
            "last_error": skip_reason,
        },
    )
    if not created:
        return None
    if not skip_reason:
        _enqueue_delivery(notification)
    return notification


def _channel_for(person: Person) -> tuple[str, str]:
    """(channel, reason it is skipped or "") from the person's preferences, consent and contact points."""
    preferred = person.preferred_channel
    if preferred in SKIP_REASONS:
        return NotificationChannel.EMAIL, SKIP_REASONS[PreferredChannel(preferred)]
    consent = current_consents(person=person).get(ConsentPurpose.CONTACT_ABOUT_CASE)
    channel = NotificationChannel.SMS if preferred == PreferredChannel.SMS else NotificationChannel.EMAIL
    if consent is not None and not consent.given:
        return channel, CONSENT_WITHDRAWN
    if _address_for(person, channel) is None:
        return channel, NO_PHONE if channel == NotificationChannel.SMS else NO_EMAIL
    return channel, ""


def _address_for(person: Person | None, channel: str) -> str | None:
    """The person's primary email or phone for `channel` (any of that kind when none is primary)."""
    if person is None:
        return None
    kind = ContactKind.PHONE if channel == NotificationChannel.SMS else ContactKind.EMAIL
    point = person.contact_points.filter(kind=kind).order_by("-is_primary", "id").first()
    return point.value if point else None


def _enqueue_delivery(notification: Notification, *, delay_seconds: int = 0) -> None:
    from civitas.notifications.tasks import deliver_notification

    task = deliver_notification
    if delay_seconds:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    task.enqueue(notification_id=notification.pk)


# --- delivery ---------------------------------------------------------------------------------------


def notification_deliver(*, notification_id: int) -> str:
    """Send one queued notification; returns what happened ("sent", "skipped", "waiting", "retry", "failed").

    Idempotent: a row that is not queued is left alone. A send that raises is retried with backoff
    (the row keeps `attempts` and a `last_error` naming the error type only) and marked failed after
    MAX_ATTEMPTS. The error is not re-raised: a mail error's text may name the address, and the worker would log it.
    """
    notification = (
        Notification.objects.select_related("case__service_type", "person", "entry", "sign_in_link")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.status != NotificationStatus.QUEUED:
        return "skipped"
    if notification.channel == NotificationChannel.SMS:
        _set_waiting(notification)
        return "waiting"
    skip_reason = _delivery_skip_reason(notification)
    if skip_reason:
        _mark(notification, status=NotificationStatus.SKIPPED, error=skip_reason)
        return "skipped"
    try:
        message = rendering.build_email(notification, to=_recipient_address(notification))
    except SignInLinkInvalid:  # used or expired between the check above and now
        _mark(notification, status=NotificationStatus.SKIPPED, error=LINK_SPENT)
        return "skipped"
    except Exception as error:
        return _record_failure(notification, error)
    try:
        message.send(fail_silently=False)
    except Exception as error:
        return _record_failure(notification, error)
    return _mark_sent(notification)


def _delivery_skip_reason(notification: Notification) -> str:
    if notification.kind == NotificationKind.SIGN_IN_LINK:
        link = notification.sign_in_link
        if link is None or link.used_at is not None or link.expires_at <= timezone.now():
            return LINK_SPENT
        return ""
    if _address_for(notification.person, notification.channel) is None:
        return NO_EMAIL
    return ""


def _recipient_address(notification: Notification) -> str:
    if notification.kind == NotificationKind.SIGN_IN_LINK:
        assert notification.sign_in_link is not None
        return notification.sign_in_link.email
    address = _address_for(notification.person, notification.channel)
    assert address is not None
    return address


def _set_waiting(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.QUEUED).update(last_error=SMS_WAITING)


def _lock_queued(notification: Notification) -> Notification | None:
    return Notification.objects.select_for_update().filter(pk=notification.pk, status=NotificationStatus.QUEUED).first()


def _mark_sent(notification: Notification) -> str:
    with transaction.atomic():
        locked = _lock_queued(notification)
        if locked is None:
            return "skipped"
        locked.status = NotificationStatus.SENT
        locked.sent_at = timezone.now()
        locked.attempts += 1
        locked.last_error = ""
        locked.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        _audit(locked, "service:notification:sent")
    return "sent"


def _mark(notification: Notification, *, status: str, error: str) -> None:
    with transaction.atomic():
        locked = _lock_queued(notification)
        if locked is None:
            return
        locked.status = status
        locked.last_error = error[:200]
        locked.save(update_fields=["status", "last_error"])


def _record_failure(notification: Notification, error: Exception) -> str:
    """Count the attempt; retry with backoff, or mark failed after MAX_ATTEMPTS."""
    with transaction.atomic():
        locked = _lock_queued(notification)
        if locked is None:
            return "skipped"
        locked.attempts += 1
        locked.last_error = f"sending failed: {type(error).__name__}"[:200]
        if locked.attempts >= MAX_ATTEMPTS:
            locked.status = NotificationStatus.FAILED
            _audit(locked, "service:notification:failed")
            outcome = "failed"
        else:
            _enqueue_delivery(locked, delay_seconds=backoff_seconds(locked.attempts))
            outcome = "retry"
        locked.save(update_fields=["status", "attempts", "last_error"])
    # The exception type and ids only: the message may name the address.
    logger.warning(
        "notification %s (%s) %s after attempt %s: %s",
        notification.pk,
        notification.kind,
        outcome,
        locked.attempts,
        type(error).__name__,
    )
    return outcome


def _audit(notification: Notification, action: str) -> None:
    audit_record(
        actor=None,
        action=action,
        obj=notification,
        person_id=notification.person_id,
        context={
            "kind": notification.kind,
            "channel": notification.channel,
            "case_id": notification.case_id,
            "attempts": notification.attempts,
        },
    )


# --- what each case event owes ----------------------------------------------------------------------


def creation_entry(case: Case) -> TimelineEntry | None:
    """The "created" system entry (so the acknowledgment is unique per case under the constraint)."""
    return case.timeline.filter(kind=EntryKind.SYSTEM).order_by("created_at", "id").first()


def status_entry(case: Case, *, status: str, entry_id: int | None = None) -> TimelineEntry | None:
    """The timeline entry of the status change (by id when the event names it, else the latest to `status`)."""
    entries = case.timeline.filter(kind=EntryKind.STATUS_CHANGE)
    if entry_id is not None:
        return entries.filter(pk=entry_id).first()
    return entries.filter(data__to=status).order_by("-created_at", "-id").first()


def status_notice_kind(*, status: str, entry: TimelineEntry | None) -> str | None:
    """RESOLVED for a resolution, nothing for closing an already-resolved case, else STATUS_CHANGED."""
    if status == CaseStatus.RESOLVED:
        return NotificationKind.RESOLVED
    if status == CaseStatus.CLOSED and entry is not None and entry.data.get("from") == CaseStatus.RESOLVED:
        return None  # the resident was told at resolution
    return NotificationKind.STATUS_CHANGED
