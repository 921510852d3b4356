"""Fixtures for the browser tests: one headless Chromium per session, a fresh context per test.

Chromium is Debian's (`apt-get install chromium`), never a Playwright download. axe-core comes from
npm (`node_modules/axe-core/axe.min.js`). Without either, the tests SKIP locally and FAIL under CI
(`CI=true`), so a CI run can never pass by skipping them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 10_000
PHONE_VIEWPORT = {"width": 375, "height": 812}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def missing(reason: str) -> None:
    """Skip with a clear reason locally; fail under CI, where the browser tests must run."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_PATH.is_file():
        missing(f"axe-core is missing at {AXE_PATH}: run `npm ci` (or `make test`, which runs it)")
    return AXE_PATH


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if not executable:
        missing("Chromium is not installed: `apt-get install -y chromium` (Debian's build; no Playwright download)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """new_context(user=None, phone=False) → a fresh browser context on the live server, signed in as `user`."""
    contexts: list[Any] = []

    def make(user: Any = None, *, phone: bool = False) -> Any:
        options: dict[str, Any] = {"base_url": live_server.url}
        if phone:
            options["viewport"] = PHONE_VIEWPORT
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        # Only the live server answers: map tiles and anything else outside fail fast and offline,
        # as they would for a console that cannot reach the internet (pages must work without them).
        context.route(re.compile(r"^(?!" + re.escape(live_server.url) + ")"), lambda route: route.abort())
        if user is not None:
            context.add_cookies([session_cookie(user, live_server.url)])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context: Callable[..., Any], live_server: Any) -> Iterator[Callable[..., Any]]:
    """new_page(user=None, phone=False) → a page that records failed requests (asserted empty at the end)."""
    failures: list[str] = []

    def make(user: Any = None, *, phone: bool = False) -> Any:
        page = new_context(user, phone=phone).new_page()
        page.on("response", lambda response: _record_failed_asset(response, failures))
        page.on("requestfailed", lambda request: _record_failed_request(request, live_server.url, failures))
        page.on("pageerror", lambda error: failures.append(f"JavaScript error: {error}"))
        return page

    yield make
    assert not failures, "assets failed to load or scripts failed:\n" + "\n".join(failures)


def _record_failed_asset(response: Any, failures: list[str]) -> None:
    if "/static/" in response.url and response.status >= 400:
        failures.append(f"{response.url}: HTTP {response.status}")


def _record_failed_request(request: Any, base_url: str, failures: list[str]) -> None:
    # A request the browser cancelled because the page moved on (a font still loading, an htmx fetch
    # replaced by a newer one) is not a failure: a missing asset answers 4xx/5xx (_record_failed_asset).
    cancelled = "ERR_ABORTED" in (request.failure or "")
    if request.url.startswith(base_url) and not cancelled:
        failures.append(f"{request.url}: {request.failure}")


def session_cookie(user: Any, base_url: str) -> dict[str, Any]:
    """A signed-in session for `user`, as a cookie (skips the sign-in form; one test drives the form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }


@pytest.fixture
def staff(db: Any) -> Callable[..., Any]:
    """staff(role, department, email=None, team=None) → a user holding `role` there (password PASSWORD)."""
    from civitas.accounts.models import Membership, User

    def make(role: str, department: Any = None, *, email: str | None = None, team: Any = None, **extra: Any) -> Any:
        user = User.objects.create_user(email=email or f"{role}@example.org", password=PASSWORD, **extra)
        Membership.objects.create(user=user, role=role, department=department, team=team)
        return user

    return make


# --- a small city: one department with a team, a service type, staff and a case ------------------


@pytest.fixture
def team(department: Any) -> Any:
    from civitas.accounts.models import Team

    return Team.objects.create(department=department, code="streets", name="Streets")


@pytest.fixture
def service_type(department: Any, team: Any) -> Any:
    from civitas.catalog.models import ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="streets", name="Streets")
    return ServiceType.objects.create(
        code="pothole",
        name="Pothole",
        group=group,
        department=department,
        default_team=team,
        keywords="pothole, hole in road",
        resolution_target_hours=72,
    )


@pytest.fixture
def caseworker(staff: Callable[..., Any], department: Any, team: Any) -> Any:
    from civitas.accounts.roles import Role

    return staff(Role.CASEWORKER, department, team=team, email="casey@example.org")


@pytest.fixture
def supervisor(staff: Callable[..., Any], department: Any, team: Any) -> Any:
    from civitas.accounts.roles import Role

    return staff(Role.SUPERVISOR, department, team=team, email="sam@example.org")


@pytest.fixture
def agent(staff: Callable[..., Any]) -> Any:
    from civitas.accounts.roles import Role

    return staff(Role.AGENT, None, email="alex@example.org")


@pytest.fixture
def make_case(caseworker: Any, service_type: Any) -> Callable[..., Any]:
    """make_case(description=..., assign=True) → a case in the department, assigned to the caseworker."""
    from civitas.cases.services import case_assign, case_create

    def make(description: str = "Deep pothole outside number 12", *, assign: bool = True, **fields: Any) -> Any:
        case = case_create(
            actor=caseworker,
            service_type=service_type.code,
            channel="phone",
            description=description,
            lat=42.35,
            long=-71.06,
            address="12 Main St",
            **fields,
        )
        if assign:
            case = case_assign(actor=caseworker, case=case, assignee=caseworker)
        return case

    return make
