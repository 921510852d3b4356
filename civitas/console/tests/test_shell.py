"""The console shell: sign-in required, staff only, pages render for a member of staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.accounts.models import User

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("console:queue", args=["mine"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:sign-in"))


def test_user_without_role_gets_403(client):
    user = User.objects.create_user(email="nobody@example.org", password="x" * 20)
    client.force_login(user)
    response = client.get(reverse("console:queue", args=["mine"]))
    assert response.status_code == 403
    assert b"holds no role" in response.content


def test_home_redirects_to_my_queue(client, caseworker):
    client.force_login(caseworker)
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:queue", args=["mine"])


def test_sign_in_page_renders(client):
    response = client.get(reverse("console:sign-in"))
    assert response.status_code == 200
    assert b"Staff sign-in" in response.content
