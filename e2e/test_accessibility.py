"""axe-core over EVERY console page (issue 3 §10): zero WCAG 2.2 A/AA violations.

The pages come from the URL resolver (namespace `console`), so a page added later is checked
without touching this file. Each route is opened with a plain GET as a supervisor of the case's
department (who may use every console page), with URL parameters naming objects of that
department; routes that answer 405 (POST only) or something that is not HTML (a download) are
left out, and the test asserts the pages that matter were among those checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import expect

from e2e.axe import axe_violations, describe

NAMESPACE = "console"
# Pages that must be among those checked (the list in issue 3 §10).
MUST_CHECK = {
    "console:queue",
    "console:search",
    "console:case",
    "console:person",
    "console:people",
    "console:intake",
    "console:supervisor",
    "console:account",
    "console:sign-in",
}
# Extra query strings that turn a page into its most complete state.
QUERIES = {
    "console:search": ["?q=pothole", "?q=Pat", "?q=zzzz-nothing-matches"],
    "console:people": ["?q=Pat"],
    "console:case-picker": ["?q=pothole"],
    "console:intake": ["", "?caller_query=pat%40example.org&service_query=pothole&service_type=pothole"],
}
# Routes that are no pages: signing out would end the session of the walk.
NOT_PAGES = {"console:sign-out"}


@dataclass
class Objects:
    case: Any
    person: Any
    attachment: Any
    saved_view: Any
    token: Any


def _params(pattern: URLPattern) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    return tuple(converters) if converters else tuple(pattern.pattern.regex.groupindex)


def console_routes() -> list[tuple[str, tuple[str, ...]]]:
    routes: list[tuple[str, tuple[str, ...]]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                routes.append((f"{prefix}{pattern.name}", _params(pattern)))

    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and top.namespace == NAMESPACE:
            walk(top.url_patterns, f"{NAMESPACE}:")
    return routes


def urls_for(name: str, params: tuple[str, ...], objects: Objects) -> list[str]:
    """The URLs to open for one route (one per queue slug for the queue pages)."""
    from civitas.cases.queues import QUEUES

    values: dict[str, list[Any]] = {
        "reference": [objects.case.reference],
        "person_id": [objects.person.pk],
        "view_id": [objects.saved_view.pk],
        "token_id": [objects.token.pk],
        "queue": list(QUEUES),
        "pk": [objects.attachment.pk if "reference" in params else objects.person.pk],
    }
    unknown = [param for param in params if param not in values]
    if unknown:
        pytest.fail(f"{name}: test_accessibility does not know how to fill URL parameter(s) {unknown}")
    combos: list[dict[str, Any]] = [{}]
    for param in params:
        combos = [{**combo, param: value} for combo in combos for value in values[param]]
    base = [reverse(name, kwargs=combo) for combo in combos]
    return [url + query for url in base for query in QUERIES.get(name, [""])]


@pytest.fixture
def objects(supervisor, caseworker, make_case) -> Objects:
    from civitas.cases.models import SavedView
    from civitas.cases.services import case_add_attachment, case_add_note, case_transition
    from civitas.integrations.keys import api_key_issue
    from civitas.people.services import person_create

    person = person_create(
        actor=caseworker, given_name="Pat", family_name="<i>Resident</i>", emails=["pat@example.org"]
    )
    case = make_case("Pothole with <script>alert(1)</script> in it", requester=person)
    make_case("Second pothole on Elm Street", requester=person)
    overdue = make_case("A closed pothole")
    case_transition(actor=caseworker, case=overdue, to_status="closed")
    case_add_note(actor=caseworker, case=case, body="Crew booked for <b>Tuesday</b>", public=False)
    case_add_note(actor=caseworker, case=case, body="We are on it.", public=True)
    attachment = case_add_attachment(actor=caseworker, case=case, upload=b"crew notes\n", name="notes.txt")
    saved_view = SavedView.objects.create(
        owner=supervisor, name="Urgent potholes", queue="open", params="priority=high"
    )
    token = api_key_issue(actor=supervisor, kind="personal", name="Reporting script").key
    return Objects(case=case, person=person, attachment=attachment, saved_view=saved_view, token=token)


def test_every_console_page_has_no_axe_violations(new_page, supervisor, objects, axe_source):
    page = new_page(supervisor)
    checked: set[str] = set()
    problems: list[str] = []
    for name, params in console_routes():
        if name in NOT_PAGES:
            continue
        for url in urls_for(name, params, objects):
            probe = page.request.get(url)  # same cookies, no navigation: skip POST-only routes and downloads
            if probe.status == 405 or "text/html" not in (probe.headers.get("content-type") or ""):
                continue
            if probe.status >= 400:
                problems.append(f"{url}: HTTP {probe.status} for a supervisor of the department")
                continue
            if "<html" not in probe.text()[:500]:
                continue  # an htmx fragment, not a page (it is checked inside the page that loads it)
            page.goto(url)
            headings = page.locator("h1").count()
            if headings != 1:
                problems.append(f"{url}: {headings} <h1> elements, expected exactly one")
            violations = axe_violations(page, axe_source)
            if violations:
                problems.append(describe(violations, url))
            checked.add(name)
    print(f"axe-core checked {len(checked)} console routes: {', '.join(sorted(checked))}")
    assert not problems, "\n\n".join(problems)
    assert MUST_CHECK - {"console:sign-in"} <= checked, f"pages not checked: {MUST_CHECK - checked}"


def test_sign_in_page_has_no_axe_violations(new_page, axe_source):
    page = new_page()
    page.goto("/console/sign-in/")
    expect(page.locator("h1")).to_have_count(1)
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations, page.url)


@pytest.mark.parametrize(
    "path", ["/console/queues/mine/", "/console/new/", "/console/workload/", "/console/search/?q=pothole"]
)
def test_key_pages_fit_a_phone_and_stay_accessible(new_page, supervisor, objects, axe_source, path):
    page = new_page(supervisor, phone=True)
    page.goto(path)
    expect(page.locator("h1")).to_have_count(1)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px wide"
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations, page.url)


def test_case_workspace_fits_a_phone(new_page, supervisor, objects, axe_source):
    page = new_page(supervisor, phone=True)
    page.goto(f"/console/cases/{objects.case.reference}/")
    expect(page.locator("h1")).to_contain_text(objects.case.reference)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the case page scrolls sideways by {overflow}px at 375px wide"
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations, page.url)
