"""The Notification admin: read-only, scoped to the departments whose cases the user may see, no addresses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.notifications.models import Notification
from civitas.notifications.tests.conftest import run_handlers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _portal_urls(settings):
    settings.ROOT_URLCONF = "config.urls"  # the real admin


def test_admin_lists_and_shows_read_only_without_addresses(client, admin_user, make_case, resident):
    make_case(requester=resident)
    run_handlers()
    notification = Notification.objects.get()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:notifications_notification_changelist"), {"status__exact": "queued"})
    assert listing.status_code == 200 and "acknowledgment" in listing.content.decode().lower()
    page = client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "ana@example.org" not in html and 'name="status"' not in html  # read-only fields, no inputs
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_admin_is_scoped_by_department(client, make_staff, other_department, make_case, resident):
    make_case(requester=resident)
    run_handlers()
    outsider = make_staff("caseworker", other_department, is_staff=True)
    client.force_login(outsider)
    listing = client.get(reverse("admin:notifications_notification_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 0
