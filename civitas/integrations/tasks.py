"""Integration tasks: the webhook delivery (a delivery id only; never a URL, secret or payload)."""

from __future__ import annotations

from django_tasks import task

from civitas.integrations.webhooks.delivery import webhook_deliver


@task()
def deliver_webhook(*, delivery_id: int) -> str:
    """Send one webhook delivery; safe to run twice (a delivery that is not pending is left alone)."""
    return webhook_deliver(delivery_id=int(delivery_id))
