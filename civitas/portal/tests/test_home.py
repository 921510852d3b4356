from __future__ import annotations

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db


def test_home_renders_the_page_shell(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert '<a class="usa-skipnav" href="#main-content">Skip to main content</a>' in html
    assert '<main id="main-content"' in html
    assert '<header class="usa-header usa-header--basic">' in html
    assert '<nav aria-label="Primary navigation"' in html
    assert '<footer class="usa-footer' in html
    assert html.count("<h1") == 1
    assert "usa-banner" not in html  # the federal government banner is not for a city


def test_home_invites_a_request_and_links_to_staff_sign_in(client):
    html = client.get("/").content.decode()

    assert "What do you need help with?" in html
    assert "cannot be sent" not in html  # requests can be sent online now
    assert '<a class="usa-footer__primary-link" href="/console/sign-in/">Staff sign-in</a>' in html
    assert "<title>Report a problem or ask for a service – Civitas</title>" in html
    for placeholder in ("lorem", "coming soon", "TODO"):
        assert placeholder.lower() not in html.lower()


def test_lang_attribute_follows_the_active_language(client):
    html = client.get("/", headers={"accept-language": "es"}).content.decode()

    assert '<html lang="es" dir="ltr">' in html


def test_htmx_requests_carry_the_csrf_token(client):
    response = client.get("/")

    token = re.search(r"""<body hx-headers='\{"X-CSRFToken": "([^"]+)"\}'>""", response.content.decode())
    assert token and len(token.group(1)) >= 32


def test_assets_come_from_static_never_from_another_host(client):
    html = client.get("/").content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|svg))"', html)
    assert sources
    assert all(source.startswith("/static/") for source in sources), sources
    for expected in ("uswds-init.min.js", "uswds.min.css", "uswds.min.js", "htmx.min.js"):
        assert any(source.endswith(expected) for source in sources), expected
    head, body = html.split("</head>")
    assert "uswds-init.min.js" in head
    assert "uswds.min.js" in body
    assert "htmx.min.js" in body


@pytest.mark.parametrize(
    ("level", "css_class", "role"),
    [
        (constants.ERROR, "usa-alert--error", "alert"),
        (constants.WARNING, "usa-alert--warning", "status"),
        (constants.SUCCESS, "usa-alert--success", "status"),
        (constants.INFO, "usa-alert--info", "status"),
        (constants.DEBUG, "usa-alert--info", "status"),
    ],
)
def test_messages_render_as_uswds_alerts(rf, level, css_class, role):
    html = render_to_string("base.html", {"messages": [Message(level, "Your request was saved")]}, rf.get("/"))

    alert = re.search(r'<div class="usa-alert usa-alert--slim ([^"]+)"\s+role="([^"]+)">', html)
    assert alert and alert.groups() == (css_class, role)
    assert '<p class="usa-alert__text">Your request was saved</p>' in html
    assert html.index("usa-alert") > html.index('<main id="main-content"')


def test_no_alert_without_messages(rf):
    assert "usa-alert" not in render_to_string("base.html", {}, rf.get("/"))
