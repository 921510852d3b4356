"""Emails are tested against stand-in portal routes (tests/urls.py); the real ones must take the same arguments."""

from __future__ import annotations

from django.urls import reverse

from civitas.notifications.tests import urls as stand_in


def test_real_portal_routes_take_the_arguments_the_emails_use(settings):
    settings.ROOT_URLCONF = "config.urls"
    for pattern in stand_in.portal_patterns:
        (name,) = pattern.pattern.converters
        expected = "/" + str(pattern.pattern).replace(f"<str:{name}>", "SR-2026-000001")
        assert reverse(f"portal:{pattern.name}", kwargs={name: "SR-2026-000001"}) == expected
