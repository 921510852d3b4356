"""Delivery: rendered in the notification's language, with the reference and the right links; SMS waits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.cases.services import case_add_note, case_transition
from civitas.core.tasks import MAX_ATTEMPTS
from civitas.notifications.models import Notification, NotificationStatus
from civitas.notifications.services import LINK_SPENT, SMS_WAITING, notification_deliver
from civitas.notifications.tests.conftest import delivery_rows, run_deliveries, run_handlers
from civitas.people.models import ContactPoint, SignInLink

pytestmark = pytest.mark.django_db


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_end_to_end_case_create_sends_the_acknowledgment(make_case, resident):
    case = make_case(requester=resident)
    run_handlers()
    assert run_deliveries() == ["sent"]
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert case.reference in message.subject and "\n" not in message.subject
    track = f"https://city.example/track/{case.tracking_token}/"
    assert case.reference in message.body and "Street light out" in message.body and track in message.body
    assert f'href="{track}"' in html_of(message) and '<html lang="en">' in html_of(message)
    assert "&amp;" not in message.body  # plain text is not HTML-escaped
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.SENT and notification.sent_at and notification.attempts == 1
    event = AuditEvent.objects.get(action="service:notification:sent")
    assert event.object_id == str(notification.pk) and event.person_id == resident.pk
    assert "ana@example.org" not in str(event.payload)


def test_delivery_is_idempotent(make_case, resident):
    make_case(requester=resident)
    run_handlers()
    notification = Notification.objects.get()
    assert notification_deliver(notification_id=notification.pk) == "sent"
    assert notification_deliver(notification_id=notification.pk) == "skipped"
    assert notification_deliver(notification_id=123456) == "skipped"
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="service:notification:sent").count() == 1


def test_spanish_rendering(make_case, make_person):
    person = make_person(email="eva@example.org", preferred_language="es")
    make_case(requester=person)
    run_handlers()
    run_deliveries()
    (message,) = mail.outbox
    assert "Farola apagada" in message.body and "Street light out" not in message.body
    assert '<html lang="es">' in html_of(message) and message.extra_headers["Content-Language"] == "es"


def test_public_update_is_escaped_in_html(make_case, resident, make_person, caseworker):
    follower = make_person(email="bo@example.org")
    case = make_case(requester=resident, followers=[follower])
    run_handlers()
    run_deliveries()
    mail.outbox.clear()
    case_add_note(actor=caseworker, case=case, body='Fixed <script>alert("x")</script> & done', public=True)
    run_handlers()
    assert run_deliveries() == ["sent", "sent"]
    by_address = {message.to[0]: message for message in mail.outbox}
    to_requester, to_follower = by_address["ana@example.org"], by_address["bo@example.org"]
    for message in (to_requester, to_follower):
        assert "<script>" not in html_of(message)
        assert "&lt;script&gt;" in html_of(message) and "&amp; done" in html_of(message)
        assert '<script>alert("x")</script> & done' in message.body
    # The requester gets the private tracking link; a follower the public page, never the token.
    assert case.tracking_token in to_requester.body
    assert case.tracking_token not in to_follower.body + html_of(to_follower)
    assert f"https://city.example/requests/{case.reference}/" in to_follower.body


def test_resolution_carries_the_survey_link_for_the_requester_only(make_case, resident, make_person, caseworker):
    follower = make_person(email="bo@example.org")
    case = make_case(requester=resident, followers=[follower])
    case_transition(actor=caseworker, case=case, to_status="resolved", note="New lamp fitted.")
    run_handlers()
    mail.outbox.clear()
    Notification.objects.filter(kind="acknowledgment").update(status="sent")
    run_deliveries()
    by_address = {message.to[0]: message for message in mail.outbox}
    survey = f"https://city.example/satisfaction/{case.tracking_token}/"
    assert survey in by_address["ana@example.org"].body and survey in html_of(by_address["ana@example.org"])
    assert "satisfaction" not in by_address["bo@example.org"].body
    assert "New lamp fitted." in by_address["bo@example.org"].body
    assert "resolved" in by_address["bo@example.org"].subject


def test_status_change_mail_names_the_plain_status(make_case, resident, caseworker):
    case = make_case(requester=resident)
    case_transition(actor=caseworker, case=case, to_status="in_progress", note="Internal", public_note=False)
    run_handlers()
    Notification.objects.filter(kind="acknowledgment").update(status="sent")
    run_deliveries()
    (message,) = mail.outbox
    assert "In progress" in message.subject and "Someone is working on it." in message.body
    assert "Internal" not in message.body  # a note staff did not make public stays out


def test_sms_stays_queued_until_the_transport_exists(make_case, make_person):
    make_case(requester=make_person(phone="+16175550100", preferred_channel="sms"))
    run_handlers()
    assert run_deliveries() == ["waiting"]
    notification = Notification.objects.get()
    assert (notification.status, notification.last_error, notification.attempts) == ("queued", SMS_WAITING, 0)
    assert mail.outbox == []


def test_email_removed_before_sending_is_skipped(make_case, resident):
    make_case(requester=resident)
    run_handlers()
    ContactPoint.objects.filter(person=resident).delete()
    assert run_deliveries() == ["skipped"]
    assert Notification.objects.get().status == NotificationStatus.SKIPPED and mail.outbox == []


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down for ana@example.org")


def test_failed_send_retries_with_backoff_then_fails(make_case, resident, settings, caplog):
    settings.EMAIL_BACKEND = "civitas.notifications.tests.test_delivery.BrokenBackend"
    make_case(requester=resident)
    run_handlers()
    notification = Notification.objects.get()
    assert run_deliveries() == ["retry"]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("queued", 1)
    assert notification.last_error == "sending failed: ConnectionRefusedError"
    from django_tasks_db.models import DBTaskResult

    retry = DBTaskResult.objects.get(task_path="civitas.notifications.tasks.deliver_notification")
    assert retry.run_after >= timezone.now() + timedelta(seconds=25)
    for _ in range(MAX_ATTEMPTS - 2):
        assert run_deliveries() == ["retry"]
    assert run_deliveries() == ["failed"]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", MAX_ATTEMPTS)
    assert delivery_rows() == []
    assert AuditEvent.objects.filter(action="service:notification:failed").count() == 1
    assert "ana@example.org" not in caplog.text


def test_sign_in_link_mail_carries_a_working_token(resident):
    from civitas.people.residents import sign_in_link_redeem, sign_in_link_request

    sign_in_link_request(email="Ana@Example.org", language="en", next_path="/my-requests/")
    run_handlers()
    assert run_deliveries() == ["sent"]
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"] and "sign-in link" in message.subject.lower()
    match = re.search(r"https://city\.example/account/sign-in/([^/\s]+)/", message.body)
    assert match and f'href="{match.group(0)}"' in html_of(message)
    assert "20 minutes" in message.body
    assert sign_in_link_redeem(token=match.group(1)) == resident


def test_sign_in_link_for_an_unknown_address_in_spanish():
    from civitas.people.residents import sign_in_link_request

    sign_in_link_request(email="nueva@example.org", language="es")
    run_handlers()
    run_deliveries()
    (message,) = mail.outbox
    assert message.to == ["nueva@example.org"] and '<html lang="es">' in html_of(message)


def test_spent_sign_in_link_is_not_sent(resident):
    from civitas.people.residents import sign_in_link_request

    link = sign_in_link_request(email="ana@example.org", language="en")
    run_handlers()
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert run_deliveries() == ["skipped"]
    assert Notification.objects.get().last_error == LINK_SPENT and mail.outbox == []


def test_a_late_status_notice_names_the_status_it_announces(make_case, resident, caseworker):
    case = make_case(requester=resident)
    case = case_transition(actor=caseworker, case=case, to_status="in_progress")
    run_handlers()
    case_transition(actor=caseworker, case=case, to_status="resolved")  # before the first notice is sent
    Notification.objects.filter(kind="acknowledgment").update(status="sent")
    run_deliveries()
    (message,) = mail.outbox
    assert "In progress" in message.subject and "Status: In progress" in message.body
    assert "\n\n\n" not in message.body
