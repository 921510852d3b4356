"""Webhook delivery against a real local HTTP server: signature, retries with backoff, disabling, SSRF."""

from __future__ import annotations

import json
import socket

import pytest
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.integrations.models import DeliveryStatus, WebhookDelivery
from civitas.integrations.tests.webhook_fixtures import delivery_tasks, run_deliveries, run_integration_handlers
from civitas.integrations.webhooks.signing import verify_signature
from civitas.integrations.webhooks.subscriptions import webhook_ping, webhook_subscription_disable


def _deliver_case_created(make_subscription, make_case, url: str):
    subscription = make_subscription(url=url, events=["case.created"])
    case = make_case()
    run_integration_handlers()
    return subscription, case, WebhookDelivery.objects.get()


def test_signed_delivery_reaches_the_receiver(receiver, make_subscription, make_case):
    subscription, case, delivery = _deliver_case_created(make_subscription, make_case, receiver.url)
    subscription.consecutive_failures = 3
    subscription.save()
    assert run_deliveries() == ["delivered"]
    [request] = receiver.requests
    assert request.path == "/hook?source=civitas"
    assert verify_signature(subscription.secret, request.headers["Civitas-Signature"], request.body)
    assert not verify_signature("wrong-secret-wrong", request.headers["Civitas-Signature"], request.body)
    assert request.headers["Civitas-Event"] == "case.created"
    assert request.headers["Civitas-Delivery"] == delivery.event_id
    assert request.headers["User-Agent"] == "Civitas-Webhooks/1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"
    body = json.loads(request.body)
    assert body["id"] == delivery.event_id and body["data"]["case"]["reference"] == case.reference
    assert request.body == json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.last_latency_ms is not None and delivery.delivered_at
    assert subscription.consecutive_failures == 0


def test_a_delivered_event_is_not_sent_again(receiver, make_subscription, make_case):
    from civitas.integrations.tasks import deliver_webhook

    _subscription, _case, delivery = _deliver_case_created(make_subscription, make_case, receiver.url)
    assert run_deliveries() == ["delivered"]
    assert deliver_webhook.call(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.requests) == 1


def test_failures_retry_with_growing_delays_then_disable_and_tell_the_owner(
    receiver, make_subscription, make_case, settings, mailoutbox, department_admin
):
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_DISABLE_AFTER = 4
    receiver.status = 500
    subscription, _case, delivery = _deliver_case_created(make_subscription, make_case, receiver.url)
    delays = []
    for _ in range(3):
        before = timezone.now()
        assert run_deliveries() == ["retry"]
        [task] = delivery_tasks()
        assert task.args_kwargs["kwargs"] == {"delivery_id": delivery.pk}
        delays.append((task.run_after - before).total_seconds())
    assert 30 <= delays[0] <= 34 and 60 <= delays[1] <= 67 and 120 <= delays[2] <= 133
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 3
    assert (
        delivery.last_status_code == 500
        and delivery.last_error == "HTTP 500 Internal Server Error: receiver broke badly"
    )
    assert delivery.next_attempt_at is not None
    assert run_deliveries() == ["failed"]
    assert delivery_tasks() == []
    assert len(receiver.requests) == 4
    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 4
    assert not subscription.is_active and subscription.disabled_at is not None
    assert subscription.consecutive_failures == 4 and "4 failed deliveries" in subscription.disabled_reason
    event = AuditEvent.objects.get(action="service:webhook_subscription:disable")
    assert event.actor_id is None and event.object_id == str(subscription.pk)
    [mail] = mailoutbox
    assert mail.to == [department_admin.email] and subscription.name in mail.subject
    assert subscription.secret not in mail.body and "source=civitas" not in mail.body
    assert f"127.0.0.1:{receiver.port}/hook" in mail.body


def test_disabling_counts_failures_across_deliveries_and_a_success_resets(
    receiver, make_subscription, make_case, settings
):
    settings.WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 503
    subscription = make_subscription(url=receiver.url, events=["case.created"])
    make_case()
    make_case()
    run_integration_handlers()
    assert run_deliveries() == ["retry", "retry"]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 2 and subscription.is_active
    receiver.status = 204
    assert run_deliveries() == ["delivered", "delivered"]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.is_active


def test_redirects_are_not_followed(receiver, make_subscription, make_case):
    receiver.status = 302
    receiver.location = "http://169.254.169.254/latest/meta-data"
    _subscription, _case, delivery = _deliver_case_created(make_subscription, make_case, receiver.url)
    assert run_deliveries() == ["retry"]
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302 and delivery.last_error.startswith("HTTP 302")


def test_no_answer_is_retried(settings, make_subscription, make_case):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    _subscription, _case, delivery = _deliver_case_created(make_subscription, make_case, f"http://127.0.0.1:{port}/")
    assert run_deliveries() == ["retry"]
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and "no answer" in delivery.last_error and delivery.attempts == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "[::1]"])
def test_refused_address_fails_at_once(receiver, settings, make_subscription, make_case, host):
    """Saved while allowed (or as a name); refused when private addresses are no longer allowed."""
    port = receiver.port
    _subscription, _case, delivery = _deliver_case_created(make_subscription, make_case, f"http://{host}:{port}/x")
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert run_deliveries() == ["failed"]
    assert delivery_tasks() == [] and receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "not a public address" in delivery.last_error and delivery.last_status_code is None


def test_allowed_host_may_be_private(receiver, settings, make_subscription, make_case):
    _subscription, _case, _delivery = _deliver_case_created(
        make_subscription, make_case, f"http://localhost:{receiver.port}/hook"
    )
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    outcomes = run_deliveries()
    # localhost may resolve to ::1 first while the test server listens on IPv4 only: either way it was let through
    assert outcomes in (["delivered"], ["retry"])
    assert "not a public address" not in WebhookDelivery.objects.get().last_error


def test_pending_delivery_of_a_disabled_subscription_is_not_sent(
    receiver, make_subscription, make_case, department_admin
):
    subscription, _case, delivery = _deliver_case_created(make_subscription, make_case, receiver.url)
    webhook_subscription_disable(actor=department_admin, subscription_id=subscription.pk, reason="Paused")
    assert run_deliveries() == ["failed"]
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "disabled" in delivery.last_error


def test_ping_is_tried_once_and_does_not_count(receiver, make_subscription, department_admin):
    subscription = make_subscription(url=receiver.url)
    receiver.status = 500
    ping = webhook_ping(actor=department_admin, subscription_id=subscription.pk)
    assert run_deliveries() == ["failed"]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    receiver.status = 200
    webhook_ping(actor=department_admin, subscription_id=subscription.pk)
    assert run_deliveries() == ["delivered"]
    request = receiver.requests[-1]
    assert request.headers["Civitas-Event"] == "ping"
    assert verify_signature(subscription.secret, request.headers["Civitas-Signature"], request.body)
    assert json.loads(request.body)["data"] == {"subscription": subscription.name}
    assert ping.event_id != WebhookDelivery.objects.exclude(pk=ping.pk).get().event_id
