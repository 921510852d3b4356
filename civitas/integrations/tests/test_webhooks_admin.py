"""Webhook subscriptions in the admin: created through the services, secret shown once, actions, scoping."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from civitas.audit.models import AuditEvent
from civitas.integrations.models import WebhookDelivery, WebhookSubscription
from civitas.integrations.tests.webhook_fixtures import delivery_tasks

pytestmark = pytest.mark.django_db

ADD = "admin:integrations_webhooksubscription_add"
LIST = "admin:integrations_webhooksubscription_changelist"
CHANGE = "admin:integrations_webhooksubscription_change"
LOG = "admin:integrations_webhookdelivery_changelist"


def _form(department, **overrides):
    data = {
        "name": "Works orders",
        "url": "https://hooks.example.org/civitas",
        "events": ["case.created", "case.status_changed"],
        "departments": [department.pk],
        "secret": "",
    }
    data.update(overrides)
    return data


def test_add_through_the_service_shows_the_secret_once(client, department_admin, department):
    client.force_login(department_admin)
    response = client.post(reverse(ADD), _form(department), follow=True)
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.owner == department_admin and subscription.events == ["case.created", "case.status_changed"]
    assert list(subscription.departments.all()) == [department]
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(subscription.secret in message for message in shown)
    assert AuditEvent.objects.filter(action="service:webhook_subscription:create").count() == 1
    page = client.get(reverse(CHANGE, args=[subscription.pk])).content.decode()
    assert subscription.secret not in page and subscription.secret[:10] in page


def test_add_refuses_private_urls_and_other_schemes(client, department_admin, department, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(department_admin)
    for url in ("http://169.254.169.254/latest", "http://10.0.0.1/", "ftp://hooks.example.org/"):
        response = client.post(reverse(ADD), _form(department, url=url))
        assert response.status_code == 200 and response.context["adminform"].form.errors.get("url"), url
    assert not WebhookSubscription.objects.exists()


def test_change_goes_through_the_service(client, department_admin, department, make_subscription):
    subscription = make_subscription()
    client.force_login(department_admin)
    data = _form(department, name="Renamed", events=["case.note_added"])
    data.pop("secret")
    response = client.post(reverse(CHANGE, args=[subscription.pk]), data)
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.name == "Renamed" and subscription.events == ["case.note_added"]
    event = AuditEvent.objects.get(action="service:webhook_subscription:update")
    assert event.changes["name"] == {"before": "Works orders", "after": "Renamed"}


def test_ping_and_reenable_actions(client, department_admin, make_subscription):
    subscription = make_subscription()
    subscription.is_active, subscription.consecutive_failures = False, 20
    subscription.save()
    client.force_login(department_admin)
    client.post(reverse(LIST), {"action": "send_ping", "_selected_action": [subscription.pk]})
    ping = WebhookDelivery.objects.get(event="ping")
    assert [task.args_kwargs["kwargs"] for task in delivery_tasks()] == [{"delivery_id": ping.pk}]
    client.post(reverse(LIST), {"action": "reenable", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 0
    log = client.get(reverse(LOG) + f"?subscription__id__exact={subscription.pk}")
    assert log.status_code == 200 and "ping" in log.content.decode()
    detail = client.get(reverse("admin:integrations_webhookdelivery_change", args=[ping.pk]))
    assert detail.status_code == 200 and ping.event_id in detail.content.decode()


def test_scoped_to_the_owner_unless_organisation_wide(client, make_staff, department, make_subscription, admin_user):
    subscription = make_subscription()
    colleague = make_staff("department_admin", department, is_staff=True)
    client.force_login(colleague)
    assert subscription.name not in client.get(reverse(LIST)).content.decode()
    assert client.get(reverse(CHANGE, args=[subscription.pk])).status_code == 302  # "does not exist"
    client.force_login(admin_user)
    assert subscription.name in client.get(reverse(LIST)).content.decode()
    client.force_login(make_staff("caseworker", department, is_staff=True))
    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse(LOG)).status_code == 403
