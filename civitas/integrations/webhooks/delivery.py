"""Sending one delivery: sign, POST to the checked address, record the outcome, retry or give up.

- 2xx is success (redirects are not followed; a 3xx is a failure). A success resets the subscription's count
  of failures in a row; a delivery that succeeded is never sent again.
- Any other answer, a timeout or a connection error is recorded (status code, latency, a short error: at most
  200 characters, the start of the answer's body at most) and retried after 30 s × 2^(attempt−1) plus up to
  10 % jitter, until WEBHOOK_MAX_ATTEMPTS; the delivery is then failed.
- An address the SSRF guard refuses fails the delivery at once (no retry: it would be refused again).
- Each failed attempt counts towards WEBHOOK_DISABLE_AFTER failures in a row; reaching it disables the
  subscription (audited) and emails its owner a plain-text notice (no secret).
- A `ping` is tried once and does not count towards the subscription's failures.

Nothing about the payload is logged; the worker log carries ids, the event name and the outcome.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civitas.core.tasks import backoff_seconds
from civitas.integrations.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from civitas.integrations.netguard import AddressRefused, host_header, open_pool, resolve
from civitas.integrations.webhooks.signing import canonical_body, request_headers
from civitas.integrations.webhooks.subscriptions import PING, webhook_subscription_disable

logger = logging.getLogger(__name__)

MAX_ERROR = 200
JITTER_FRACTION = 10  # up to 1/10 of the delay is added at random


@dataclass(frozen=True)
class Attempt:
    """What one POST gave: a status code (None when no answer came), the latency, an error for the log."""

    status_code: int | None
    latency_ms: int | None
    error: str = ""
    refused: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def enqueue_delivery(delivery: WebhookDelivery, *, run_after: datetime | None = None) -> None:
    """Queue the delivery task (delivery id only) in the caller's transaction."""
    from civitas.integrations.tasks import deliver_webhook

    task = deliver_webhook if run_after is None else deliver_webhook.using(run_after=run_after)
    task.enqueue(delivery_id=delivery.pk)


def retry_delay_seconds(attempts: int) -> int:
    """30 s, 60 s, 120 s … after the 1st, 2nd, 3rd failed attempt, plus up to 10 % jitter."""
    base = backoff_seconds(attempts)
    return base + secrets.randbelow(base // JITTER_FRACTION + 1)


# --- sending ----------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _answer_error(status: int, reason: str, body: bytes) -> str:
    head = f"HTTP {status} {reason}".strip()
    snippet = _one_line(body.decode("utf-8", errors="replace"))
    return f"{head}: {snippet}"[:MAX_ERROR] if snippet else head[:MAX_ERROR]


def post(delivery: WebhookDelivery, subscription: WebhookSubscription) -> Attempt:
    """POST the signed body to the subscription's URL (through the SSRF guard)."""
    body = canonical_body(delivery.payload)
    headers = request_headers(secret=subscription.secret, body=body, event=delivery.event, event_id=delivery.event_id)
    try:
        target = resolve(subscription.url)
    except AddressRefused as error:
        return Attempt(status_code=None, latency_ms=None, error=str(error)[:MAX_ERROR], refused=True)
    except OSError as error:
        return Attempt(status_code=None, latency_ms=None, error=_one_line(str(error))[:MAX_ERROR])
    headers["Host"] = host_header(target)
    started = time.monotonic()
    pool = open_pool(target, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        response = pool.urlopen(
            "POST", target.path, body=body, headers=headers, redirect=False, retries=False, preload_content=False
        )
        try:
            answer = response.read(MAX_ERROR)
        finally:
            response.release_conn()
    except Exception as error:  # timeouts, refused connections, TLS errors: all retried
        latency = int((time.monotonic() - started) * 1000)
        return Attempt(status_code=None, latency_ms=latency, error=f"{type(error).__name__}: no answer"[:MAX_ERROR])
    finally:
        pool.close()
    latency = int((time.monotonic() - started) * 1000)
    problem = "" if 200 <= response.status < 300 else _answer_error(response.status, response.reason or "", answer)
    return Attempt(status_code=response.status, latency_ms=latency, error=problem)


# --- recording --------------------------------------------------------------------------------------


def _lock_pending(delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_for_update()
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .select_related("subscription")
        .first()
    )


def _count(delivery: WebhookDelivery, attempt: Attempt) -> None:
    delivery.attempts += 1
    delivery.last_status_code = attempt.status_code
    delivery.last_latency_ms = attempt.latency_ms
    delivery.last_error = attempt.error[:MAX_ERROR]


def _record_success(delivery: WebhookDelivery) -> None:
    delivery.status = DeliveryStatus.SUCCEEDED
    delivery.delivered_at = timezone.now()
    delivery.next_attempt_at = None
    if delivery.event != PING:
        WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(consecutive_failures=0)


def _schedule_or_fail(delivery: WebhookDelivery, attempt: Attempt) -> str:
    if attempt.refused or delivery.event == PING or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        return "failed"
    run_after = timezone.now() + timedelta(seconds=retry_delay_seconds(delivery.attempts))
    delivery.next_attempt_at = run_after
    enqueue_delivery(delivery, run_after=run_after)
    return "retry"


def _count_failure(subscription_id: int) -> bool:
    """One more failure in a row; True when that disabled the subscription."""
    WebhookSubscription.objects.filter(pk=subscription_id).update(consecutive_failures=F("consecutive_failures") + 1)
    subscription = WebhookSubscription.objects.get(pk=subscription_id)
    if not subscription.is_active or subscription.consecutive_failures < settings.WEBHOOK_DISABLE_AFTER:
        return False
    reason = f"Disabled after {subscription.consecutive_failures} failed deliveries in a row."
    webhook_subscription_disable(actor=None, subscription_id=subscription_id, reason=reason)
    return True


def _record(delivery_id: int, attempt: Attempt) -> tuple[str, bool]:
    """Write the attempt's outcome; returns (outcome, whether the subscription was just disabled)."""
    disabled = False
    with transaction.atomic():
        delivery = _lock_pending(delivery_id)
        if delivery is None:
            return "skipped", False
        _count(delivery, attempt)
        if attempt.succeeded:
            _record_success(delivery)
            outcome = "delivered"
        else:
            outcome = _schedule_or_fail(delivery, attempt)
            if delivery.event != PING:
                disabled = _count_failure(delivery.subscription_id)
        delivery.save()
    return outcome, disabled


def _fail_unsent(delivery_id: int, error: str) -> str:
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=error[:MAX_ERROR], next_attempt_at=None
    )
    return "failed"


# --- the owner's notice -----------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    """The URL without its query string or credentials (either may hold a token)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def notify_owner_disabled(subscription_id: int) -> None:
    """A plain-text email to the subscription's owner (no secret, no payload)."""
    subscription = WebhookSubscription.objects.select_related("owner").get(pk=subscription_id)
    address = getattr(subscription.owner, "email", "")
    if not address:
        return
    body = (
        f'The webhook subscription "{subscription.name}" has been disabled.\n\n'
        f"URL: {_safe_url(subscription.url)}\n"
        f"Reason: {subscription.disabled_reason}\n\n"
        "No more events are sent to it. Check that the receiver answers with a 2xx status, then re-enable the "
        "subscription in the administration (Webhook subscriptions → “Re-enable”).\n"
    )
    try:
        send_mail(f"Webhook disabled: {subscription.name}", body, None, [address], fail_silently=False)
    except Exception as error:
        logger.warning("webhook %s disabled; the notice to its owner failed: %s", subscription_id, type(error).__name__)


# --- the service the task calls ---------------------------------------------------------------------


def webhook_deliver(*, delivery_id: int) -> str:
    """Send one delivery; returns "delivered", "retry", "failed" or "skipped" (not pending: nothing to do)."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "skipped"
    subscription = delivery.subscription
    if not subscription.is_active and delivery.event != PING:
        return _fail_unsent(delivery_id, "Not sent: the subscription is disabled.")
    attempt = post(delivery, subscription)
    outcome, disabled = _record(delivery_id, attempt)
    logger.info(
        "webhook delivery %s (%s) to subscription %s: %s (status %s, %s ms)",
        delivery_id,
        delivery.event,
        subscription.pk,
        outcome,
        attempt.status_code,
        attempt.latency_ms,
    )
    if disabled:
        notify_owner_disabled(subscription.pk)
    return outcome
