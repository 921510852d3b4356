"""Webhook subscriptions: create, update, disable, enable, rotate the secret, send a test ping.

Integration managers (`integrations.manage`) manage subscriptions of their departments; a subscription with no
departments (every department its owner may view) needs the permission organisation-wide, as does one owned by
somebody else. Every write is audited; the secret never appears in the audit trail or in logs.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from civitas.accounts.models import Department
from civitas.accounts.permissions import ALL, departments_for, require
from civitas.audit.services import audit_record, diff
from civitas.core.errors import NotFound, ValidationError
from civitas.integrations.models import WebhookDelivery, WebhookSubscription
from civitas.integrations.netguard import AddressRefused, check_url

# Events a subscription may ask for (the case events the fan-out handles), with what they mean.
EVENTS: dict[str, str] = {
    "case.created": "A case was opened.",
    "case.status_changed": "A case moved to another status.",
    "case.note_added": "Staff added a public update to a case (internal notes are never sent).",
    "case.reopened": "A resolved or closed case was reopened.",
    "case.assigned": "A case was assigned to a team or person.",
}
PING = "ping"
MANAGE = "integrations.manage"
MAX_NAME = 100
MAX_URL = 500
MIN_SECRET = 16
MAX_SECRET = 128


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def masked(secret: str) -> str:
    """What the screens show of a secret after it was first given."""
    return f"{secret[:10]}…" if secret else ""


# --- cleaning ---------------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError(f"Give the subscription a name of at most {MAX_NAME} characters.", field="name")
    return name


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise ValidationError(f"Give a URL of at most {MAX_URL} characters.", field="url")
    try:
        check_url(url)
    except AddressRefused as error:
        raise ValidationError(str(error), field="url") from error
    return url


def clean_events(events: Iterable[str]) -> list[str]:
    chosen = sorted({str(event) for event in events})
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown:
        raise ValidationError(f"Unknown event {unknown[0]!r}.", field="events")
    if not chosen:
        raise ValidationError("Choose at least one event.", field="events")
    return chosen


def clean_secret(secret: str) -> str:
    secret = (secret or "").strip()
    if not secret:
        return new_secret()
    if not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise ValidationError(f"A secret has {MIN_SECRET} to {MAX_SECRET} characters.", field="secret")
    return secret


def _clean_departments(actor: Any, department_ids: Iterable[int]) -> list[Department]:
    wanted = {int(pk) for pk in department_ids}
    if not wanted:
        require(actor, MANAGE)
        if departments_for(actor, MANAGE) is not ALL:
            raise ValidationError("Choose the departments whose cases are sent.", field="departments")
        return []
    departments = list(Department.objects.filter(pk__in=wanted))
    if len(departments) != len(wanted):
        raise ValidationError("Unknown department.", field="departments")
    for department in departments:
        require(actor, MANAGE, department.pk)
    return departments


# --- access -----------------------------------------------------------------------------------------


def may_manage(actor: Any, subscription: WebhookSubscription) -> bool:
    """Organisation-wide managers manage every subscription; others their own, within their departments."""
    allowed = departments_for(actor, MANAGE)
    if allowed is ALL:
        return True
    if not allowed or subscription.owner_id != getattr(actor, "pk", None):
        return False
    department_ids = set(subscription.departments.values_list("pk", flat=True))
    return bool(department_ids) and department_ids <= allowed


def _locked(actor: Any, subscription_id: int) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None or not may_manage(actor, subscription):
        raise NotFound("Not found.")
    return subscription


def _fields(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "name": subscription.name,
        "url": subscription.url,
        "events": list(subscription.events),
        "departments": sorted(subscription.departments.values_list("pk", flat=True)),
        "is_active": subscription.is_active,
    }


# --- services ---------------------------------------------------------------------------------------


def webhook_subscription_create(
    *,
    actor: Any,
    name: str,
    url: str,
    events: Iterable[str],
    department_ids: Iterable[int] = (),
    secret: str = "",
) -> WebhookSubscription:
    """A new subscription owned by `actor`; a blank secret is generated (read it from the returned row once)."""
    require(actor, MANAGE)
    name, url, chosen = clean_name(name), clean_url(url), clean_events(events)
    departments = _clean_departments(actor, department_ids)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            owner=actor, name=name, url=url, events=chosen, secret=clean_secret(secret)
        )
        subscription.departments.set(departments)
        audit_record(
            actor=actor,
            action="service:webhook_subscription:create",
            obj=subscription,
            changes=diff({}, _fields(subscription)),
        )
    return subscription


def webhook_subscription_update(
    *,
    actor: Any,
    subscription_id: int,
    name: str | None = None,
    url: str | None = None,
    events: Iterable[str] | None = None,
    department_ids: Iterable[int] | None = None,
) -> WebhookSubscription:
    """Change what is given (None: unchanged)."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        before = _fields(subscription)
        if name is not None:
            subscription.name = clean_name(name)
        if url is not None:
            subscription.url = clean_url(url)
        if events is not None:
            subscription.events = clean_events(events)
        subscription.save(update_fields=["name", "url", "events"])
        if department_ids is not None:
            subscription.departments.set(_clean_departments(actor, department_ids))
        changes = diff(before, _fields(subscription))
        if changes:
            audit_record(actor=actor, action="service:webhook_subscription:update", obj=subscription, changes=changes)
    return subscription


def webhook_subscription_rotate_secret(*, actor: Any, subscription_id: int, secret: str = "") -> WebhookSubscription:
    """A new secret (generated when blank); deliveries signed from now on use it."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        subscription.secret = clean_secret(secret)
        subscription.save(update_fields=["secret"])
        audit_record(actor=actor, action="service:webhook_subscription:rotate_secret", obj=subscription)
    return subscription


def webhook_subscription_disable(*, actor: Any, subscription_id: int, reason: str) -> WebhookSubscription:
    """Stop sending. `actor=None` is the delivery worker giving up after repeated failures."""
    with transaction.atomic():
        if actor is None:
            subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        else:
            subscription = _locked(actor, subscription_id)
        if not subscription.is_active:
            return subscription
        subscription.is_active = False
        subscription.disabled_at = timezone.now()
        subscription.disabled_reason = (reason or "Disabled.")[:200]
        subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
        audit_record(
            actor=actor,
            action="service:webhook_subscription:disable",
            obj=subscription,
            context={"reason": subscription.disabled_reason},
        )
    return subscription


def webhook_subscription_enable(*, actor: Any, subscription_id: int) -> WebhookSubscription:
    """Send again (failures in a row start from zero). Deliveries given up while disabled are not resent."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        if subscription.is_active:
            return subscription
        subscription.is_active = True
        subscription.consecutive_failures = 0
        subscription.disabled_at = None
        subscription.disabled_reason = ""
        subscription.save(update_fields=["is_active", "consecutive_failures", "disabled_at", "disabled_reason"])
        audit_record(actor=actor, action="service:webhook_subscription:enable", obj=subscription)
    return subscription


def webhook_ping(*, actor: Any, subscription_id: int) -> WebhookDelivery:
    """Queue a `ping` delivery (to test the receiver); sent even to a disabled subscription."""
    from civitas.integrations.webhooks.delivery import enqueue_delivery

    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        event_id = str(uuid.uuid4())
        payload = {
            "id": event_id,
            "event": PING,
            "created_at": timezone.now().isoformat(),
            "data": {"subscription": subscription.name},
        }
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event=PING, event_id=event_id, payload=payload
        )
        audit_record(actor=actor, action="service:webhook_subscription:ping", obj=subscription)
        enqueue_delivery(delivery)
    return delivery
