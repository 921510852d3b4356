"""Webhooks: signing, the SSRF guard, subscription services and the fan-out of case events."""

from __future__ import annotations

import json
import time

import pytest

from civitas.audit.models import AuditEvent
from civitas.cases.services import case_add_note, case_assign, case_reopen, case_transition
from civitas.core.errors import NotFound, PermissionDenied, ValidationError
from civitas.integrations.handlers import HANDLERS, on_case_created, on_note_added
from civitas.integrations.models import WebhookDelivery
from civitas.integrations.netguard import AddressRefused, check_url, resolve
from civitas.integrations.tests.webhook_fixtures import delivery_tasks, run_integration_handlers
from civitas.integrations.webhooks.signing import canonical_body, request_headers, sign, verify_signature
from civitas.integrations.webhooks.subscriptions import (
    webhook_subscription_disable,
    webhook_subscription_enable,
    webhook_subscription_rotate_secret,
    webhook_subscription_update,
)

# --- signing ----------------------------------------------------------------------------------------


def test_signature_round_trip_and_tampering():
    body = canonical_body({"b": 1, "a": "é"})
    assert body == '{"a":"é","b":1}'.encode()
    header = sign("s3cret-s3cret-s3cret", body)
    assert verify_signature("s3cret-s3cret-s3cret", header, body)
    assert verify_signature("s3cret-s3cret-s3cret", header, body.decode())
    assert not verify_signature("another-secret-xx", header, body)
    assert not verify_signature("s3cret-s3cret-s3cret", header, body + b" ")
    assert not verify_signature("s3cret-s3cret-s3cret", "t=abc,v1=00", body)
    assert not verify_signature("s3cret-s3cret-s3cret", "", body)


def test_signature_is_hmac_of_timestamp_dot_body_and_expires():
    import hashlib
    import hmac

    body = b'{"id":"x"}'
    header = sign("k" * 20, body, timestamp=1_700_000_000)
    expected = hmac.new(b"k" * 20, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify_signature("k" * 20, header, body, now=1_700_000_000 + 300)
    assert not verify_signature("k" * 20, header, body, now=1_700_000_000 + 301)
    assert not verify_signature("k" * 20, header, body, tolerance=10, now=1_700_000_000 - 11)


def test_request_headers():
    headers = request_headers(secret="x" * 20, body=b"{}", event="case.created", event_id="e-1")
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Civitas-Webhooks/1"
    assert headers["Civitas-Event"] == "case.created" and headers["Civitas-Delivery"] == "e-1"
    stamp = int(headers["Civitas-Signature"].split(",")[0][2:])
    assert abs(stamp - time.time()) < 5


# --- SSRF guard ---------------------------------------------------------------------------------------

REFUSED = [
    "http://127.0.0.1/hook",
    "http://10.1.2.3/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]:8080/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://192.168.0.10/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_addresses_refused_unless_allowed(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(AddressRefused, match="not a public address"):
        check_url(url)
    with pytest.raises(AddressRefused):
        resolve(url)
    settings.WEBHOOK_ALLOW_PRIVATE = True
    check_url(url)
    assert resolve(url).port in {80, 8080}


def test_names_resolving_to_private_addresses_are_refused_at_delivery(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    check_url("http://localhost:9000/hook")  # a name: checked when it is resolved, at each delivery
    with pytest.raises(AddressRefused):
        resolve("http://localhost:9000/hook")
    settings.WEBHOOK_ALLOWED_HOSTS = ["LOCALHOST"]
    target = resolve("http://localhost:9000/hook?x=1")
    assert target.address in {"127.0.0.1", "::1"} and target.path == "/hook?x=1" and target.host == "localhost"


def test_public_literal_address_is_connected_to_as_checked(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    target = resolve("https://93.184.215.14/hooks")
    assert (target.scheme, target.address, target.port, target.path) == ("https", "93.184.215.14", 443, "/hooks")


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.org/x", "file:///etc/passwd", "gopher://x", "https://", "http://u:p@example.org/"]
)
def test_other_schemes_and_credentials_refused(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with pytest.raises(AddressRefused):
        check_url(url)


# --- subscription services ------------------------------------------------------------------------


def test_create_generates_a_secret_and_audits_without_it(make_subscription, department_admin, department):
    subscription = make_subscription()
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) > 40
    assert subscription.owner == department_admin and subscription.is_active
    assert list(subscription.departments.all()) == [department]
    event = AuditEvent.objects.get(action="service:webhook_subscription:create")
    assert event.object_id == str(subscription.pk) and event.actor_id == department_admin.pk
    assert subscription.secret not in event.payload
    assert event.changes["url"]["after"] == "https://hooks.example.org/civitas"


def test_create_validates(make_subscription, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as error:
        make_subscription(url="http://169.254.169.254/")
    assert error.value.field == "url"
    with pytest.raises(ValidationError) as error:
        make_subscription(url="javascript:alert(1)")
    assert error.value.field == "url"
    with pytest.raises(ValidationError) as error:
        make_subscription(events=["case.deleted"])
    assert error.value.field == "events"
    with pytest.raises(ValidationError) as error:
        make_subscription(events=[])
    assert error.value.field == "events"
    with pytest.raises(ValidationError) as error:
        make_subscription(secret="short")
    assert error.value.field == "secret"
    with pytest.raises(ValidationError) as error:
        make_subscription(departments=[])  # a department admin must name departments
    assert error.value.field == "departments"
    assert make_subscription(secret="a-secret-of-my-own-choice").secret == "a-secret-of-my-own-choice"


def test_only_integration_managers_of_the_department_may_subscribe(make_subscription, caseworker, other_department):
    with pytest.raises(PermissionDenied):
        make_subscription(actor=caseworker)
    with pytest.raises(PermissionDenied):
        make_subscription(departments=[other_department])


def test_update_disable_enable_rotate(make_subscription, department_admin, make_staff, department):
    subscription = make_subscription()
    old_secret = subscription.secret
    webhook_subscription_update(
        actor=department_admin, subscription_id=subscription.pk, name="Renamed", events=["case.created"]
    )
    subscription.refresh_from_db()
    assert subscription.name == "Renamed" and subscription.events == ["case.created"]
    webhook_subscription_disable(actor=department_admin, subscription_id=subscription.pk, reason="Maintenance")
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_reason == "Maintenance"
    subscription.consecutive_failures = 5
    subscription.save()
    webhook_subscription_enable(actor=department_admin, subscription_id=subscription.pk)
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 0 and subscription.disabled_at is None
    rotated = webhook_subscription_rotate_secret(actor=department_admin, subscription_id=subscription.pk)
    assert rotated.secret != old_secret
    actions = set(AuditEvent.objects.filter(object_id=str(subscription.pk)).values_list("action", flat=True))
    assert actions >= {
        "service:webhook_subscription:update",
        "service:webhook_subscription:disable",
        "service:webhook_subscription:enable",
        "service:webhook_subscription:rotate_secret",
    }
    another_admin = make_staff("department_admin", department)
    with pytest.raises(NotFound):  # somebody else's subscription: not theirs to change
        webhook_subscription_enable(actor=another_admin, subscription_id=subscription.pk)


# --- fan-out -------------------------------------------------------------------------------------------


def test_handlers_cover_the_case_events():
    from civitas.core.events import handlers_for

    assert set(HANDLERS) == {
        "case.created",
        "case.status_changed",
        "case.note_added",
        "case.reopened",
        "case.assigned",
    }
    for event, path in HANDLERS.items():
        assert path in handlers_for(event)


def test_case_created_fans_out_one_delivery_with_public_fields_only(make_subscription, make_case, person):
    subscription = make_subscription()
    case = make_case(requester=person, address="12 Elm Street, Apt 4", description="Ana Reyes, call 555-0100")
    assert run_integration_handlers() >= 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == subscription and delivery.event == "case.created"
    assert [task.args_kwargs["kwargs"] for task in delivery_tasks()] == [{"delivery_id": delivery.pk}]
    payload = delivery.payload
    assert payload["id"] == delivery.event_id and payload["event"] == "case.created"
    data = payload["data"]["case"]
    assert data["reference"] == case.reference and data["service_code"] == "streetlight"
    assert data["department"] == case.department.code and data["status"] == "new"
    assert data["location"]["street"] == "Elm Street" and data["location"]["lat"] == 42.35
    body = json.dumps(payload)
    for personal in ("Ana", "Reyes", "555-0100", "12 Elm", "Apt 4", case.tracking_token, "pole"):
        assert personal not in body


def test_handler_twice_gives_one_delivery(make_subscription, make_case):
    make_subscription()
    case = make_case()
    on_case_created(case_id=case.pk)
    on_case_created(case_id=case.pk)
    assert WebhookDelivery.objects.count() == 1
    assert len(delivery_tasks()) == 1


def test_department_scoping(make_subscription, make_case, make_staff, other_department, admin_user):
    foreign_admin = make_staff("department_admin", other_department)
    make_subscription(actor=foreign_admin, departments=[other_department], name="Parks only")
    make_subscription(actor=admin_user, departments=[other_department], name="Org admin, parks only")
    everything = make_subscription(actor=admin_user, departments=[], name="Org admin, all")
    make_subscription(events=["case.status_changed"], name="Not this event")
    case = make_case()
    run_integration_handlers()
    assert [d.subscription for d in WebhookDelivery.objects.all()] == [everything]
    assert case.department != other_department


def test_owner_who_lost_access_gets_nothing(make_subscription, make_case, department_admin):
    make_subscription()
    department_admin.memberships.all().delete()
    make_case()
    run_integration_handlers()
    assert not WebhookDelivery.objects.exists()


def test_disabled_subscription_gets_nothing(make_subscription, make_case, department_admin):
    subscription = make_subscription()
    webhook_subscription_disable(actor=department_admin, subscription_id=subscription.pk, reason="Off")
    make_case()
    run_integration_handlers()
    assert not WebhookDelivery.objects.exists()


def test_public_notes_are_sent_internal_notes_never(make_subscription, make_case, caseworker):
    make_subscription(events=["case.note_added"])
    case = make_case()
    internal = case_add_note(actor=caseworker, case=case, body="Neighbour says the resident is away", public=False)
    public = case_add_note(actor=caseworker, case=case, body="A crew is booked for Tuesday.", public=True)
    run_integration_handlers()
    on_note_added(case_id=case.pk, entry_id=internal.pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"]["entry"] == {
        "kind": "public_update",
        "created_at": public.created_at.isoformat(),
        "body": "A crew is booked for Tuesday.",
    }
    assert "Neighbour" not in json.dumps(delivery.payload)


def test_status_reopen_and_assignment_events(make_subscription, make_case, supervisor, caseworker, team):
    make_subscription()
    case = make_case()
    case = case_transition(actor=supervisor, case=case, to_status="resolved", note="Fixed", public_note=True)
    case = case_reopen(actor=supervisor, case=case, reason="Out again")
    case = case_assign(actor=supervisor, case=case, team=team, assignee=caseworker)
    run_integration_handlers()
    deliveries = {d.event: d for d in WebhookDelivery.objects.all()}
    assert set(deliveries) == {"case.created", "case.status_changed", "case.reopened", "case.assigned"}
    status = deliveries["case.status_changed"].payload["data"]
    assert status["entry"]["to_status"] == "resolved" and status["entry"]["body"] == "Fixed"
    assert status["case"]["status"] == "open"  # the case as it is when the handler runs
    reopened = deliveries["case.reopened"].payload["data"]["entry"]
    assert reopened["from_status"] == "resolved" and reopened["to_status"] == "open"
    assigned = deliveries["case.assigned"].payload["data"]
    assert assigned["entry"]["kind"] == "assignment" and assigned["case"]["team"] == team.code
    assert caseworker.email not in json.dumps(assigned)
    assert len({d.event_id for d in deliveries.values()}) == 4


def test_https_connects_to_the_checked_address_but_verifies_the_host_name():
    from civitas.integrations.netguard import Target, host_header, open_pool

    target = Target(scheme="https", host="hooks.example.org", address="93.184.215.14", port=8443, path="/")
    pool = open_pool(target, timeout=3)
    connection = pool._new_conn()
    assert pool.host == "93.184.215.14" and pool.port == 8443
    assert connection.server_hostname == "hooks.example.org" and connection.assert_hostname == "hooks.example.org"
    assert host_header(target) == "hooks.example.org:8443"
