"""Case events queue one notification per (kind, case, person, entry): re-runs add nothing; skip rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civitas.cases.services import case_add_note, case_follow, case_reopen, case_transition
from civitas.notifications import handlers
from civitas.notifications.models import Notification, NotificationChannel, NotificationKind, NotificationStatus
from civitas.notifications.services import CONSENT_WITHDRAWN, NO_EMAIL, NO_PHONE, notification_queue_sign_in_link
from civitas.notifications.tests.conftest import delivery_rows, run_handlers
from civitas.people.models import Consent, SignInLink

pytestmark = pytest.mark.django_db


def test_handlers_are_registered():
    from civitas.core.events import handlers_for

    for event, path in handlers.HANDLERS.items():
        assert path in handlers_for(event)


def test_acknowledgment_to_the_requester_once(make_case, resident):
    case = make_case(requester=resident)
    run_handlers()
    handlers.on_case_created(case_id=case.pk)  # a second run (a retried task) adds nothing
    notification = Notification.objects.get()
    assert (notification.kind, notification.channel, notification.status) == ("acknowledgment", "email", "queued")
    assert notification.person == resident and notification.case == case
    assert notification.entry is not None  # the "created" entry: the unique constraint then holds in the database
    assert delivery_rows() == [{"notification_id": notification.pk}]


def test_no_requester_no_acknowledgment(make_case):
    make_case()
    run_handlers()
    assert not Notification.objects.exists()


def test_acknowledgment_in_the_preferred_language(make_case, make_person):
    person = make_person(email="eva@example.org", preferred_language="es")
    make_case(requester=person)
    run_handlers()
    assert Notification.objects.get().language == "es"


@pytest.mark.parametrize(
    ("preferred", "reason"),
    [
        ("none", "asked not to be contacted"),
        ("phone", "prefers phone calls"),
        ("post", "prefers post"),
    ],
)
def test_channels_without_automatic_messages_are_skipped(make_case, make_person, preferred, reason):
    person = make_person(email="p@example.org", phone="+16175550100", preferred_channel=preferred)
    make_case(requester=person)
    run_handlers()
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.SKIPPED and reason in notification.last_error
    assert delivery_rows() == []


def test_email_preference_without_an_email_is_skipped(make_case, make_person):
    make_case(requester=make_person(phone="+16175550100"))
    run_handlers()
    notification = Notification.objects.get()
    assert (notification.status, notification.last_error) == ("skipped", NO_EMAIL)
    assert "@" not in notification.last_error and "+1" not in notification.last_error


def test_sms_preference_uses_the_phone_or_is_skipped(make_case, make_person):
    with_phone = make_person(phone="+16175550100", preferred_channel="sms")
    without = make_person(email="x@example.org", preferred_channel="sms")
    make_case(requester=with_phone)
    make_case(requester=without)
    run_handlers()
    queued = Notification.objects.get(person=with_phone)
    assert (queued.channel, queued.status) == (NotificationChannel.SMS, "queued")
    skipped = Notification.objects.get(person=without)
    assert (skipped.status, skipped.last_error) == ("skipped", NO_PHONE)


def test_withdrawn_consent_is_respected(make_case, resident):
    Consent.objects.create(person=resident, purpose="contact_about_case", given=False, method="web_form")
    make_case(requester=resident)
    run_handlers()
    assert Notification.objects.get().last_error == CONSENT_WITHDRAWN


def test_public_update_to_requester_and_followers(make_case, resident, make_person, caseworker):
    follower = make_person(email="bo@example.org")
    case = make_case(requester=resident)
    case_follow(actor=None, case=case, person=follower)
    case_follow(actor=None, case=case, person=resident)  # the requester following too gets one message
    entry = case_add_note(actor=caseworker, case=case, body="Crew booked for Tuesday.", public=True)
    run_handlers()
    handlers.on_note_added(case_id=case.pk, entry_id=entry.pk)
    updates = Notification.objects.filter(kind=NotificationKind.PUBLIC_UPDATE)
    assert sorted(n.person_id for n in updates) == sorted([resident.pk, follower.pk])
    assert all(n.entry_id == entry.pk for n in updates)


def test_internal_note_notifies_nobody(make_case, resident, caseworker):
    case = make_case(requester=resident)
    case_add_note(actor=caseworker, case=case, body="Internal: check the budget.", public=False)
    run_handlers()
    assert not Notification.objects.filter(kind=NotificationKind.PUBLIC_UPDATE).exists()


def test_status_changes_and_resolution(make_case, resident, make_person, caseworker):
    follower = make_person(email="bo@example.org")
    case = make_case(requester=resident, followers=[follower])
    case = case_transition(actor=caseworker, case=case, to_status="in_progress")
    case = case_transition(actor=caseworker, case=case, to_status="resolved", note="Lamp replaced.")
    run_handlers()
    run_handlers()
    kinds = sorted(Notification.objects.exclude(kind="acknowledgment").values_list("kind", "person_id"))
    assert kinds == sorted(
        [
            ("status_changed", resident.pk),
            ("status_changed", follower.pk),
            ("resolved", resident.pk),
            ("resolved", follower.pk),
        ]
    )
    # Closing a resolved case tells nobody again; reopening does.
    case = case_transition(actor=caseworker, case=case, to_status="closed")
    run_handlers()
    assert Notification.objects.exclude(kind="acknowledgment").count() == 4
    case_reopen(actor=caseworker, case=case, reason="It went out again.")
    run_handlers()
    run_handlers()
    assert Notification.objects.filter(kind="status_changed").count() == 4


def test_status_handler_rerun_creates_nothing(make_case, resident, caseworker):
    case = make_case(requester=resident)
    case_transition(actor=caseworker, case=case, to_status="open")
    run_handlers()
    before = Notification.objects.count()
    handlers.on_status_changed(case_id=case.pk, status="open")
    handlers.on_status_changed(case_id=case.pk, status="open")
    assert Notification.objects.count() == before == 2


def test_handlers_ignore_missing_rows():
    handlers.on_case_created(case_id=999)
    handlers.on_note_added(case_id=999, entry_id=999)
    handlers.on_status_changed(case_id=999, status="open")
    handlers.on_case_reopened(case_id=999)
    handlers.on_sign_in_link_requested(sign_in_link_id=999)
    assert not Notification.objects.exists()


def test_sign_in_link_queued_once(resident):
    link = SignInLink.objects.create(
        email="ana@example.org",
        token_hash="x" * 64,
        person=resident,
        expires_at=timezone.now() + timedelta(minutes=20),
        language="es",
    )
    first = notification_queue_sign_in_link(link=link)
    again = notification_queue_sign_in_link(link=link)
    assert first.pk == again.pk
    assert (first.kind, first.channel, first.language, first.person) == ("sign_in_link", "email", "es", resident)
    assert delivery_rows() == [{"notification_id": first.pk}]
