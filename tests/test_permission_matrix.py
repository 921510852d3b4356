"""Every console route, as every role, against objects of a FOREIGN department (issue 3 §9).

The routes come from the URL resolver (namespace `console`), so a route added later is covered
without touching this file — unless it takes a URL parameter nobody taught the test to fill: then
the test for that route FAILS, naming the parameter (add it to PARAM_FILLERS below).

Each role is held in department A only. Objects come from department B:
  * a route naming a case (or something of a case: attachment, timeline entry) of department B
    answers 404 to every role that may use the route at all, and for GET and POST alike; a role
    that may not take the route's action anywhere gets the same answer it gets for an object that
    does not exist (so existence never leaks);
  * a route naming a person (people are not department-scoped) answers per `has_perm`;
  * a route without objects answers per ROUTE_RULES: 200/302 when `has_perm`, 403 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from civitas.accounts.permissions import PUBLIC, ROUTE_RULES, has_perm
from civitas.accounts.roles import Role

NAMESPACE = "console"
ROLES = [
    Role.AGENT,
    Role.CASEWORKER,
    Role.FIELD_CREW,
    Role.SUPERVISOR,
    Role.DEPARTMENT_ADMIN,
    Role.AUDITOR,
    Role.PRIVACY_OFFICER,
]
PASSWORD = "correct horse battery staple"
MISSING_REFERENCE = "SR-1999-999999"
MISSING_ID = 987654321

# What a request may answer. A role allowed the route's action: GET must succeed (400: a fragment
# endpoint refusing a missing query parameter with a message).
GET_OK = {200, 302, 400}
# POST with a probe body: a form error, a redirect, a conflict, a stricter inner rule (403), or 404
# when the body names an object that does not exist (a merge target, say).
POST_OK = {200, 302, 303, 400, 403, 404, 409, 422}
DENIED = {403}
HIDDEN = {404}


# --- the objects a URL parameter can name --------------------------------------------------------


@dataclass
class World:
    """Department A (where every role is held) and department B (whose objects the URLs name)."""

    department_a: Any
    department_b: Any
    foreign_case: Any
    other_foreign_case: Any
    person: Any
    attachment: Any
    entry: Any
    saved_view: Any
    users: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Filled:
    """A value for one URL parameter, and whether it names a foreign department's object."""

    value: Any
    foreign: bool  # True: the object belongs to department B, so the route must hide it (404)
    missing: Any  # a value naming nothing (the "does not exist" answer to compare with)


Filler = Callable[[World], Filled]


def _case_reference(world: World) -> Filled:
    return Filled(world.foreign_case.reference, True, MISSING_REFERENCE)


def _other_case_reference(world: World) -> Filled:
    return Filled(world.other_foreign_case.reference, True, MISSING_REFERENCE)


def _person_id(world: World) -> Filled:
    return Filled(world.person.pk, False, MISSING_ID)


def _attachment_id(world: World) -> Filled:
    return Filled(world.attachment.pk, True, MISSING_ID)


def _entry_id(world: World) -> Filled:
    return Filled(world.entry.pk, True, MISSING_ID)


def _saved_view_id(world: World) -> Filled:
    """Saved views belong to one user: another user's view is as foreign as another department's case."""
    return Filled(world.saved_view.pk, True, MISSING_ID)


def _token_id(world: World) -> Filled:
    """Personal access tokens belong to one user: another user's token is as foreign as a saved view."""
    from civitas.integrations.keys import api_key_issue

    owner = world.saved_view.owner
    return Filled(api_key_issue(actor=owner, kind="personal", name="Theirs").key.pk, True, MISSING_ID)


def _queue_slug(world: World) -> Filled:
    return Filled("mine", False, "mine")


# How to fill each URL parameter, by name. Add a line when a route brings a new parameter.
PARAM_FILLERS: dict[str, Filler] = {
    "reference": _case_reference,
    "case_reference": _case_reference,
    "other": _other_case_reference,
    "other_reference": _other_case_reference,
    "target": _other_case_reference,
    "target_reference": _other_case_reference,
    "pk": _person_id,
    "person_id": _person_id,
    "person_pk": _person_id,
    "other_person_id": _person_id,
    "attachment_id": _attachment_id,
    "attachment_pk": _attachment_id,
    "entry_id": _entry_id,
    "queue": _queue_slug,
    "view_id": _saved_view_id,
    "saved_view_id": _saved_view_id,
    "token_id": _token_id,
}
# Under a case (`cases/<reference>/…/<pk>/`) a bare `pk` names something of that case: an attachment.
CASE_CHILD_FILLERS: dict[str, Filler] = {"pk": _attachment_id}
# A route whose parameter means something else than the tables above say: {route name: {param: filler}}.
ROUTE_FILLERS: dict[str, dict[str, Filler]] = {}


# --- the routes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "console:case"
    params: tuple[str, ...]


def _params(pattern: URLPattern) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(pattern.pattern.regex.groupindex)


def console_routes() -> list[Route]:
    """Every named route under the `console` namespace, with its URL parameter names."""
    routes: list[Route] = []
    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and top.namespace == NAMESPACE:
            routes += _walk(top.url_patterns, f"{NAMESPACE}:")
    return routes


def _walk(patterns: list[Any], prefix: str) -> list[Route]:
    routes: list[Route] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            routes += _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            routes.append(Route(f"{prefix}{pattern.name}", _params(pattern)))
    return routes


def fillers_for(route: Route) -> dict[str, Filler]:
    fillers = dict(PARAM_FILLERS)
    if "reference" in route.params:
        fillers.update(CASE_CHILD_FILLERS)
    fillers.update(ROUTE_FILLERS.get(route.name, {}))
    return fillers


def fill(route: Route, world: World) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(kwargs naming real objects, kwargs naming missing objects, whether any object is foreign)."""
    fillers = fillers_for(route)
    unknown = [name for name in route.params if name not in fillers]
    if unknown:
        pytest.fail(
            f"{route.name}: the permission matrix does not know how to fill URL parameter(s) {unknown}; "
            "add them to PARAM_FILLERS (or ROUTE_FILLERS) in tests/test_permission_matrix.py"
        )
    filled = {name: fillers[name](world) for name in route.params}
    real = {name: item.value for name, item in filled.items()}
    missing = {name: item.missing for name, item in filled.items()}
    return real, missing, any(item.foreign for item in filled.values())


# --- fixtures ------------------------------------------------------------------------------------


def _service_type(department: Any, code: str) -> Any:
    from civitas.catalog.models import ServiceGroup, ServiceType

    group, _ = ServiceGroup.objects.get_or_create(code="matrix", defaults={"name": "Matrix"})
    return ServiceType.objects.create(
        code=code, name=code.title(), group=group, department=department, resolution_target_hours=72
    )


def _staff(email: str, role: str, department: Any) -> Any:
    from civitas.accounts.models import Membership, User

    user = User.objects.create_user(email=email, password=PASSWORD)
    Membership.objects.create(user=user, role=role, department=department)
    return user


@pytest.fixture
def world(db) -> World:
    from civitas.accounts.models import Department
    from civitas.cases.models import SavedView
    from civitas.cases.services import case_add_attachment, case_add_note, case_create
    from civitas.people.services import person_create

    department_a = Department.objects.create(code="dept-a", name="Department A")
    department_b = Department.objects.create(code="dept-b", name="Department B")
    _service_type(department_a, "streetlight")
    _service_type(department_b, "graffiti")
    insider_b = _staff("insider-b@example.org", Role.CASEWORKER, department_b)
    insider_a = _staff("insider-a@example.org", Role.CASEWORKER, department_a)
    person = person_create(actor=insider_b, given_name="Pat", family_name="Resident", emails=["pat@example.org"])
    foreign_case = case_create(
        actor=insider_b, service_type="graffiti", channel="phone", description="Tag on wall", requester=person
    )
    other_foreign_case = case_create(actor=insider_b, service_type="graffiti", channel="phone", description="More")
    case_create(actor=insider_a, service_type="streetlight", channel="phone", description="Dark")
    attachment = case_add_attachment(actor=insider_b, case=foreign_case, upload=b"hello world\n", name="note.txt")
    entry = case_add_note(actor=insider_b, case=foreign_case, body="Internal", public=False)
    saved_view = SavedView.objects.create(owner=insider_b, name="Mine", queue="mine")
    users = {role: _staff(f"{role}@example.org", role, department_a) for role in ROLES}
    return World(
        department_a=department_a,
        department_b=department_b,
        foreign_case=foreign_case,
        other_foreign_case=other_foreign_case,
        person=person,
        attachment=attachment,
        entry=entry,
        saved_view=saved_view,
        users=users,
    )


# --- the matrix ----------------------------------------------------------------------------------

# What a POST carries: plausible values for common field names, so that a view that validates its
# input before looking the object up still reaches the lookup (as an attacker's request would).
PROBE = {"name": "Probe", "body": "Probe", "reason": "Probe", "q": "probe", "version": "1", "visibility": "internal"}
METHOD_NOT_ALLOWED = 405


_clients: dict[int, Client] = {}


def _request(user: Any, method: str, url: str) -> int:
    client = _signed_in(user)
    response = client.get(url) if method == "GET" else client.post(url, PROBE)
    return response.status_code


def _signed_in(user: Any) -> Client:
    """One client per user, signed in again when a route (sign-out…) ended its session."""
    client = _clients.get(user.pk)
    if client is None or "_auth_user_id" not in client.session:
        client = _clients[user.pk] = Client()
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_clients():
    _clients.clear()
    yield
    _clients.clear()


def _expected_without_foreign(rule: str, allowed: bool, method: str) -> set[int]:
    if rule == PUBLIC:
        return {200, 302, 400}
    if not allowed:
        return DENIED | HIDDEN
    return GET_OK if method == "GET" else POST_OK


def _check_route(route: Route, world: World) -> list[str]:
    assert route.name in ROUTE_RULES, f"{route.name} is missing from ROUTE_RULES"
    rule = ROUTE_RULES[route.name]
    real, missing, foreign = fill(route, world)
    url, missing_url = reverse(route.name, kwargs=real), reverse(route.name, kwargs=missing)
    problems: list[str] = []
    for role, user in world.users.items():
        allowed = rule == PUBLIC or has_perm(user, rule)
        statuses = {method: _request(user, method, url) for method in ("GET", "POST")}
        if set(statuses.values()) == {METHOD_NOT_ALLOWED}:
            problems.append(f"{url} as {role}: neither GET nor POST is allowed, nothing was checked")
        for method, status in statuses.items():
            if status == METHOD_NOT_ALLOWED:
                continue  # refused for the method alone, whatever the object: nothing leaks
            if foreign:
                problems += _foreign_problems(role, method, url, status, allowed, missing_url, user)
            elif status not in _expected_without_foreign(rule, allowed, method):
                problems.append(f"{method} {url} as {role} (allowed={allowed}): got {status}")
    return problems


def _foreign_problems(
    role: str, method: str, url: str, status: int, allowed: bool, missing_url: str, user: Any
) -> list[str]:
    """An object of department B: hidden (404) from anyone who may use the route at all."""
    if allowed and status != 404:
        return [f"{method} {url} as {role}: got {status}, expected 404 (a foreign department's object)"]
    if not allowed:
        unknown = _request(user, method, missing_url)
        if status != unknown or status not in DENIED | HIDDEN:
            return [f"{method} {url} as {role} (no right to the route): got {status}, {unknown} for a missing object"]
    return []


ROUTES = console_routes()


def test_console_routes_are_found():
    names = {route.name for route in ROUTES}
    assert {"console:case", "console:queue", "console:sign-in"} <= names


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_route_as_every_role_against_a_foreign_department(route: Route, world: World):
    problems = _check_route(route, world)
    assert not problems, "\n".join(problems)


def test_roles_are_held_in_department_a_only(world: World):
    for role, user in world.users.items():
        assert list(user.memberships.values_list("department_id", flat=True)) == [world.department_a.pk], role


def test_an_unknown_url_parameter_fails_the_matrix(world: World):
    route = Route("console:made-up", ("frobnicator_id",))
    with pytest.raises(pytest.fail.Exception, match="frobnicator_id"):
        fill(route, world)


def test_anonymous_visitors_are_sent_to_sign_in(world: World):
    for route in ROUTES:
        if ROUTE_RULES.get(route.name) == PUBLIC:
            continue
        real, _, _ = fill(route, world)
        response = Client().get(reverse(route.name, kwargs=real))
        if response.status_code == METHOD_NOT_ALLOWED:
            response = Client().post(reverse(route.name, kwargs=real), PROBE)
        assert response.status_code == 302, route.name
        assert response["Location"].startswith(reverse("console:sign-in")), route.name
