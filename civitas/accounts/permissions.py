"""The one permission map: every action a user can take, and the roles that may take it.

Roles are held per department (or organisation-wide when the membership names no
department). `departments_for()` gives selectors the set of departments a user may act in
for an action, so scoping happens in SQL. Interfaces (console, API, portal) map their
routes and operations onto these action names; a test fails when a route is not mapped.
"""

from __future__ import annotations

from typing import Any

from civitas.accounts.roles import Role
from civitas.core.errors import NotFound, PermissionDenied

R = Role
CASE_WORKERS = frozenset({R.AGENT, R.CASEWORKER, R.FIELD_CREW, R.SUPERVISOR, R.DEPARTMENT_ADMIN})
CASE_EDITORS = frozenset({R.AGENT, R.CASEWORKER, R.SUPERVISOR, R.DEPARTMENT_ADMIN})
MANAGERS = frozenset({R.SUPERVISOR, R.DEPARTMENT_ADMIN})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # cases
    "case.view": CASE_WORKERS | {R.AUDITOR},
    "case.create": CASE_EDITORS,
    "case.update": CASE_EDITORS,
    "case.assign": CASE_EDITORS,
    "case.transition": CASE_WORKERS,
    "case.note": CASE_WORKERS,
    "case.attach": CASE_WORKERS,
    "case.link": CASE_EDITORS,
    "case.merge": MANAGERS,
    "case.reopen": CASE_EDITORS,
    "case.import": frozenset({R.DEPARTMENT_ADMIN}),
    # people
    "person.view": CASE_EDITORS | {R.PRIVACY_OFFICER},
    "person.create": CASE_EDITORS | {R.PRIVACY_OFFICER},
    "person.update": CASE_EDITORS | {R.PRIVACY_OFFICER},
    "person.merge": MANAGERS | {R.PRIVACY_OFFICER},
    "person.consent": CASE_EDITORS | {R.PRIVACY_OFFICER},
    # configuration
    "catalog.view": CASE_WORKERS | {R.AUDITOR},
    "catalog.manage": frozenset({R.DEPARTMENT_ADMIN}),
    "accounts.manage": frozenset({R.DEPARTMENT_ADMIN}),
    # console
    "console.use": frozenset(Role),  # any role: sign in to the console, see one's own account
    "workload.view": MANAGERS,
    # trust
    "audit.view": frozenset({R.AUDITOR, R.PRIVACY_OFFICER}),
    "privacy.manage": frozenset({R.PRIVACY_OFFICER}),
    # integrations: personal access tokens are any staff member's own; application keys, webhooks and
    # sensor mappings are configuration.
    "api.token": frozenset(Role),
    "integrations.manage": frozenset({R.DEPARTMENT_ADMIN}),
}
# Actions a read-only API key may still take (everything else needs a key that may write).
READ_ACTIONS = frozenset({"case.view", "person.view", "catalog.view", "audit.view", "workload.view", "console.use"})

ALL = None  # departments_for() result meaning "every department"


def _memberships(user: Any) -> list[tuple[str, int | None]]:
    cached = getattr(user, "_civitas_memberships", None)
    if cached is None:
        cached = _load_memberships(user.pk)
        user._civitas_memberships = cached
    return cached


def _load_memberships(user_id: int) -> list[tuple[str, int | None]]:
    """One plain query (this runs on every request that checks a permission)."""
    from django.db import connection

    from civitas.accounts.models import Membership

    table = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT role, department_id FROM {table} WHERE user_id = %s", [user_id])  # noqa: S608
        return [(str(role), department_id) for role, department_id in cursor.fetchall()]


def clear_cache(user: Any) -> None:
    if hasattr(user, "_civitas_memberships"):
        del user._civitas_memberships


def is_system_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or any(role == R.SYSTEM_ADMIN for role, _ in _memberships(user))


def restrict(user: Any, *, departments: set[int] | None, read_only: bool) -> None:
    """Narrow what `user` may do for the rest of this request (an API key's scope).

    `departments` (None: no narrowing) caps every `departments_for` answer; `read_only` leaves only READ_ACTIONS.
    """
    user._civitas_restriction = (None if departments is None else frozenset(departments), read_only)


def _narrow(user: Any, action: str, allowed: set[int] | None) -> set[int] | None:
    restriction = getattr(user, "_civitas_restriction", None)
    if restriction is None:
        return allowed
    departments, read_only = restriction
    if read_only and action not in READ_ACTIONS:
        return set()
    if departments is None:
        return allowed
    return set(departments) if allowed is ALL else allowed & departments


def departments_for(user: Any, action: str) -> set[int] | None:
    """Departments where `user` may take `action`: a set of ids, ALL (None), or an empty set."""
    return _narrow(user, action, _departments_for(user, action))


def _departments_for(user: Any, action: str) -> set[int] | None:
    roles = PERMISSIONS.get(action)
    if roles is None:
        raise KeyError(f"unknown permission {action!r}: add it to civitas.accounts.permissions.PERMISSIONS")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if is_system_admin(user):
        return ALL
    departments: set[int] = set()
    for role, department_id in _memberships(user):
        if role not in roles:
            continue
        if department_id is None:
            return ALL
        departments.add(department_id)
    return departments


def has_perm(user: Any, action: str, department_id: int | None = None) -> bool:
    """True when `user` may take `action` (in `department_id` when given, anywhere otherwise)."""
    allowed = departments_for(user, action)
    if allowed is ALL:
        return True
    if department_id is None:
        return bool(allowed)
    return department_id in allowed


def require(user: Any, action: str, department_id: int | None = None, *, hide: bool = False) -> None:
    """Raise PermissionDenied (or NotFound when `hide`, so existence does not leak)."""
    if has_perm(user, action, department_id):
        return
    if hide:
        raise NotFound("Not found.")
    raise PermissionDenied(f"You may not do this ({action}).")


# --- routes ------------------------------------------------------------------------------------
# Every named URL outside the admin site maps to PUBLIC or to the action a view must `require`.
# tests/test_route_permissions.py fails when a route is missing here.
PUBLIC = "public"
# A resident signed in to the portal by an emailed link (the view checks the portal session, not staff roles).
RESIDENT = "resident"
ROUTE_RULES: dict[str, str] = {
    "healthz": PUBLIC,
    "set_language": PUBLIC,
    # portal: home, catalogue, public requests (civitas/portal/views/catalogue.py, public.py)
    "portal:home": PUBLIC,
    "portal:services": PUBLIC,
    "portal:group": PUBLIC,
    "portal:requests": PUBLIC,
    "portal:requests-map-data": PUBLIC,
    "portal:request": PUBLIC,
    # portal: report (civitas/portal/views/report.py)
    "portal:report": PUBLIC,
    "portal:report-review": PUBLIC,
    "portal:report-done": PUBLIC,
    "portal:report-duplicates": PUBLIC,
    "portal:report-follow": PUBLIC,
    # portal: track, follow, satisfaction (civitas/portal/views/track.py, satisfaction.py)
    "portal:track": PUBLIC,
    "portal:track-case": PUBLIC,
    "portal:track-follow": PUBLIC,
    "portal:track-unfollow": PUBLIC,
    "portal:satisfaction": PUBLIC,
    # portal: resident accounts (civitas/portal/views/account.py)
    "portal:sign-in": PUBLIC,
    "portal:sign-in-sent": PUBLIC,
    "portal:sign-in-link": PUBLIC,
    "portal:sign-out": PUBLIC,
    "portal:my-requests": RESIDENT,
    "portal:profile": RESIDENT,
    "portal:profile-delete": RESIDENT,
    # console: sign-in and account (civitas/console/views/auth.py)
    "console:sign-in": PUBLIC,
    "console:sign-out": PUBLIC,
    "console:account": "console.use",
    "console:mfa-verify": "console.use",
    "console:mfa-setup": "console.use",
    "console:mfa-later": "console.use",
    "console:mfa-reset": "console.use",
    "console:sign-out-everywhere": "console.use",
    # console: queues, bulk actions (civitas/console/views/queues.py)
    "console:home": "console.use",
    "console:queue": "case.view",
    "console:queue-bulk": "case.view",  # each case is checked by its own service
    "console:saved-views": "case.view",
    "console:saved-view-save": "case.view",
    "console:saved-view-rename": "case.view",
    "console:saved-view-delete": "case.view",
    # console: search (civitas/console/views/search.py)
    "console:search": "case.view",
    # console: case workspace (civitas/console/views/workspace/)
    "console:case": "case.view",
    "console:case-timeline": "case.view",
    "console:case-requester": "case.view",
    "console:case-note": "case.note",
    "console:case-status": "case.transition",
    "console:case-reopen": "case.reopen",
    "console:case-assign": "case.assign",
    "console:case-transfer": "case.update",
    "console:case-triage": "case.update",
    "console:case-details": "case.update",
    "console:case-attach": "case.attach",
    "console:case-attachment": "case.view",
    "console:case-picker": "case.view",
    "console:case-link": "case.link",
    # console: person 360° (civitas/console/views/people.py)
    "console:people": "person.view",
    "console:person": "person.view",
    "console:person-edit": "person.update",
    "console:person-contact": "person.update",
    "console:person-consent": "person.consent",
    "console:person-merge": "person.merge",
    # console: call-centre intake (civitas/console/views/intake.py)
    "console:intake": "case.create",
    "console:intake-callers": "case.create",
    "console:intake-service-types": "case.create",
    "console:intake-attributes": "case.create",
    # console: supervisor workload (civitas/console/views/supervisor.py)
    "console:supervisor": "workload.view",
    # console: personal access tokens (civitas/console/views/tokens.py)
    "console:tokens": "api.token",
    "console:token-create": "api.token",
    "console:token-revoke": "api.token",
    # Open311 GeoReport v2 (civitas/api/open311/): reads are public, writes need an application key.
    "open311:discovery": PUBLIC,
    "open311:services": PUBLIC,
    "open311:service": PUBLIC,
    "open311:requests": PUBLIC,
    "open311:request": PUBLIC,
    "open311:token": PUBLIC,
    "open311:updates": PUBLIC,
    "open311:not-found": PUBLIC,
    # REST API v1 (civitas/api/rest/): "api:<operation>"; every operation also checks the key's scope.
    "api:openapi-json": PUBLIC,
    "api:openapi-view": PUBLIC,
    "api:api-root": PUBLIC,
    "api:not-found": PUBLIC,  # unknown paths under /api/v1/: a 404 problem
    "api:cases": "case.view",
    "api:case": "case.view",
    "api:case-create": "case.create",
    "api:case-update": "case.update",
    "api:case-transition": "case.transition",
    "api:case-assign": "case.assign",
    "api:case-notes": "case.view",
    "api:case-note-add": "case.note",
    "api:case-attachments": "case.view",
    "api:case-attachment-add": "case.attach",
    "api:case-attachment-download": "case.view",
    "api:people": "person.view",
    "api:person": "person.view",
    "api:person-find-or-create": "person.create",
    "api:services": "catalog.view",
    "api:service": "catalog.view",
    "api:departments": "case.view",
    "api:teams": "case.view",
    "api:audit-events": "audit.view",
    # REST API v1: sensor intake (civitas/api/rest/sensors.py). The service accepts only an application key
    # that may write (personal tokens get 403); the case is opened for the public, as from Open311.
    "api:sensor-events": PUBLIC,
}
