"""Saved views: save the current queue and filters, list them in the queue navigation, rename, delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.accounts.roles import Role
from civitas.audit.models import AuditEvent
from civitas.cases.models import SavedView
from civitas.cases.services import saved_view_save
from civitas.console.tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def test_save_open_rename_delete(client, caseworker):
    client.force_login(caseworker)
    response = client.post(
        reverse("console:saved-view-save"),
        {"name": "  Urgent <north> ", "queue": "all-open", "params": "priority=urgent&cursor=zz&bogus=1&sort=due"},
    )
    view = SavedView.objects.get(owner=caseworker)
    assert view.name == "Urgent <north>" and view.params == "priority=urgent&sort=due"
    opened = reverse("console:queue", args=["all-open"]) + f"?priority=urgent&sort=due&view={view.pk}"
    assert response["Location"] == opened
    html = client.get(opened).content.decode()
    assert "Urgent &lt;north&gt;</a>" in html
    assert 'class="usa-current" aria-current="page">Urgent &lt;north&gt;' in html
    assert html.count('aria-current="page"') == 2  # the Queues item of the main nav and this view

    client.post(reverse("console:saved-view-rename", args=[view.pk]), {"name": "North"})
    view.refresh_from_db()
    assert view.name == "North"
    assert "North" in client.get(reverse("console:saved-views")).content.decode()

    client.post(reverse("console:saved-view-delete", args=[view.pk]))
    assert not SavedView.objects.exists()
    actions = set(AuditEvent.objects.filter(action__startswith="service:saved_view").values_list("action", flat=True))
    assert actions == {"service:saved_view:create", "service:saved_view:rename", "service:saved_view:delete"}


def test_bad_names_and_queues_are_messages(client, caseworker):
    client.force_login(caseworker)
    response = client.post(reverse("console:saved-view-save"), {"name": "", "queue": "mine"}, follow=True)
    assert "Give the view a name." in response.content.decode()
    response = client.post(reverse("console:saved-view-save"), {"name": "x", "queue": "nope"}, follow=True)
    assert "There is no such queue." in response.content.decode()
    saved_view_save(actor=caseworker, name="A", queue="mine")
    other = saved_view_save(actor=caseworker, name="B", queue="mine")
    response = client.post(reverse("console:saved-view-rename", args=[other.pk]), {"name": "A"}, follow=True)
    assert "You already have a view called A." in response.content.decode()


def test_nobody_sees_or_changes_another_persons_views(client, caseworker, department):
    view = saved_view_save(actor=caseworker, name="Private", queue="mine")
    someone = make_staff("someone@example.org", Role.CASEWORKER, department)
    client.force_login(someone)
    assert "Private" not in client.get(reverse("console:saved-views")).content.decode()
    assert client.post(reverse("console:saved-view-delete", args=[view.pk])).status_code == 404
    assert client.post(reverse("console:saved-view-rename", args=[view.pk]), {"name": "Mine"}).status_code == 404
    assert SavedView.objects.get(pk=view.pk).name == "Private"
