"""Integration tasks: the webhook delivery (a delivery id only; never a URL, secret or payload)."""

from __future__ import annotations

from django_tasks import task

from civitas.integrations.webhooks.delivery import webhook_deliver


@task()
def deliver_webhook(*, delivery_id: int) -> str:
    """Send one webhook delivery; safe to run twice (a delivery that is not pending is left alone)."""
    return webhook_deliver(delivery_id=int(delivery_id))


@task()
def expire_idempotency_records() -> int:
    """Delete Idempotency-Key answers older than API_IDEMPOTENCY_HOURS (the scheduler runs it hourly)."""
    from civitas.integrations.idempotency import idempotency_records_expire

    return idempotency_records_expire()
