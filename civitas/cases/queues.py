"""Queues: the named lists of cases staff work from, their filters, sorts and keyset pages.

Every queue starts from `cases_visible(actor=...)`, so it is scoped in SQL to the departments the
user may see. Pages are keyset pages (no OFFSET, no COUNT): the cursor holds the sort key values of
the row a page starts after (or ends before), encoded so it is opaque in the URL but holds no
personal data. The default "due" sort (resolution due time ascending, no target last, then id) is
served on PostgreSQL by the partial indexes on open cases (Case.Meta.indexes).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civitas.accounts.models import Department, Membership, Team, User
from civitas.accounts.permissions import ALL, CASE_WORKERS, departments_for
from civitas.cases.models import Case, SavedView
from civitas.cases.selectors import cases_visible
from civitas.cases.sla import DUE_SOON
from civitas.cases.states import OPEN_STATUSES, CaseStatus
from civitas.catalog.models import ServiceType
from civitas.core.errors import NotFound, ValidationError

PAGE_SIZE = 50
OPEN = sorted(OPEN_STATUSES)
# Statuses whose SLA clock runs: "waiting on the resident" pauses it (see cases/sla.py), so those
# cases are neither overdue nor due soon — the queues agree with the badge on every row.
RUNNING = sorted(OPEN_STATUSES - {CaseStatus.WAITING})
RECENT_WINDOW = timedelta(days=7)


# --- sorts and keysets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False
    nullable: bool = False  # NULLs always come last in the page order


@dataclass(frozen=True)
class Sort:
    label: Any
    keys: tuple[SortKey, ...]


PRIORITY_RANK = CaseWhen(
    When(priority="urgent", then=Value(4)),
    When(priority="high", then=Value(3)),
    When(priority="normal", then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)

SORTS: dict[str, Sort] = {
    "due": Sort(_("Due time, soonest first"), (SortKey("resolution_due_at", nullable=True), SortKey("id"))),
    "newest": Sort(_("Newest first"), (SortKey("created_at", descending=True), SortKey("id", descending=True))),
    "oldest": Sort(_("Oldest first"), (SortKey("created_at"), SortKey("id"))),
    "updated": Sort(_("Recently updated"), (SortKey("updated_at", descending=True), SortKey("id", descending=True))),
    "priority": Sort(
        _("Priority, most urgent first"),
        (SortKey("priority_rank", descending=True), SortKey("resolution_due_at", nullable=True), SortKey("id")),
    ),
}


def _order_by(keys: tuple[SortKey, ...], *, reverse: bool) -> list[OrderBy]:
    orders = []
    for key in keys:
        descending = key.descending != reverse
        expression = F(key.field)
        if key.nullable:
            # Page order puts NULLs last; walking backwards puts them first.
            nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
            orders.append(expression.desc(**nulls) if descending else expression.asc(**nulls))
        else:
            orders.append(expression.desc() if descending else expression.asc())
    return orders


def _beyond(key: SortKey, value: Any, *, backwards: bool) -> Q | None:
    """Rows strictly after `value` for this key in page order (before it when `backwards`)."""
    if backwards:
        if value is None:
            return Q(**{f"{key.field}__isnull": False}) if key.nullable else None
        return Q(**{f"{key.field}__{'gt' if key.descending else 'lt'}": value})
    if value is None:
        return None
    after = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
    return after | Q(**{f"{key.field}__isnull": True}) if key.nullable else after


def keyset_filter(keys: tuple[SortKey, ...], values: list[Any], *, backwards: bool = False) -> Q:
    """Lexicographic "after (or before) this row": OR over i of (k1 = v1 … k(i-1) = v(i-1), ki beyond vi)."""
    parts: list[Q] = []
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = _beyond(key, value, backwards=backwards)
        if beyond is not None:
            parts.append(prefix & beyond)
        prefix &= Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})
    if not parts:
        return Q(pk__in=[])
    result = parts[0]
    for part in parts[1:]:
        result |= part
    return result


# --- cursors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    sort: str
    values: list[Any]
    backwards: bool = False


def _to_json(value: Any) -> Any:
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("t"), str):
        return datetime.fromisoformat(value["t"])
    if value is None or isinstance(value, int | str):
        return value
    raise ValueError("bad cursor value")


def cursor_encode(cursor: Cursor) -> str:
    data = {"s": cursor.sort, "v": [_to_json(v) for v in cursor.values], "b": int(cursor.backwards)}
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_decode(text: str, *, sort: str) -> Cursor:
    """The cursor in a page link; ValidationError(field="cursor") when it is damaged or for another sort."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        values = [_from_json(v) for v in raw["v"]]
        cursor = Cursor(sort=str(raw["s"]), values=values, backwards=bool(raw.get("b")))
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as error:
        raise ValidationError("This page link is damaged; showing the first page.", field="cursor") from error
    if cursor.sort != sort or len(cursor.values) != len(SORTS[sort].keys):
        raise ValidationError("This page link was made for another sort; showing the first page.", field="cursor")
    return cursor


def _row_values(case: Any, keys: tuple[SortKey, ...]) -> list[Any]:
    return [getattr(case, key.field) for key in keys]


# --- queues -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    slug: str
    label: Any
    default_sort: str
    scope: Callable[[Any, QuerySet[Case], datetime], QuerySet[Case]]


def _my_teams(actor: Any) -> QuerySet[Any, Any]:
    return Membership.objects.filter(user_id=actor.pk, team__isnull=False).values("team_id")


def _my_departments(actor: Any) -> QuerySet[Any, Any]:
    return Membership.objects.filter(user_id=actor.pk, department__isnull=False).values("department_id")


QUEUES: dict[str, Queue] = {
    queue.slug: queue
    for queue in (
        Queue("mine", _("My cases"), "due", lambda a, qs, now: qs.filter(assignee_id=a.pk, status__in=OPEN)),
        Queue("team", _("My teams"), "due", lambda a, qs, now: qs.filter(team_id__in=_my_teams(a), status__in=OPEN)),
        Queue(
            "department",
            _("My departments"),
            "due",
            lambda a, qs, now: qs.filter(department_id__in=_my_departments(a), status__in=OPEN),
        ),
        Queue(
            "unassigned", _("Unassigned"), "due", lambda a, qs, now: qs.filter(assignee__isnull=True, status__in=OPEN)
        ),
        Queue(
            "due-soon",
            _("Due soon"),
            "due",
            lambda a, qs, now: qs.filter(
                status__in=RUNNING, resolution_due_at__gte=now, resolution_due_at__lte=now + DUE_SOON
            ),
        ),
        Queue(
            "overdue", _("Overdue"), "due", lambda a, qs, now: qs.filter(status__in=RUNNING, resolution_due_at__lt=now)
        ),
        Queue(
            "recent",
            _("Recently updated"),
            "updated",
            lambda a, qs, now: qs.filter(updated_at__gte=now - RECENT_WINDOW),
        ),
        Queue("all-open", _("All open"), "due", lambda a, qs, now: qs.filter(status__in=OPEN)),
    )
}


def queue_get(slug: str) -> Queue:
    queue = QUEUES.get(slug)
    if queue is None:
        raise NotFound("There is no such queue.")
    return queue


@dataclass
class QueueFilters:
    """Cleaned filter values (the console's form does the parsing and the error messages)."""

    service_type: ServiceType | None = None
    status: str = ""
    priority: str = ""
    team: Team | None = None
    assignee: User | None = None
    channel: str = ""
    area: str = ""
    tag: str = ""
    created_from: date | None = None
    created_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None


# The query-string names a queue page understands (saved views keep only these).
FILTER_KEYS = (
    "service_type",
    "status",
    "priority",
    "team",
    "assignee",
    "channel",
    "area",
    "tag",
    "created_from",
    "created_to",
    "due_from",
    "due_to",
    "sort",
)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def apply_filters(qs: QuerySet[Case], filters: QueueFilters) -> QuerySet[Case]:
    exact = {
        "service_type": filters.service_type,
        "status": filters.status,
        "priority": filters.priority,
        "team": filters.team,
        "assignee": filters.assignee,
        "channel": filters.channel,
    }
    qs = qs.filter(**{name: value for name, value in exact.items() if value})
    if filters.area:
        qs = qs.filter(area__icontains=filters.area)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    ranges = (
        ("created_at", filters.created_from, filters.created_to),
        ("resolution_due_at", filters.due_from, filters.due_to),
    )
    for name, start, end in ranges:
        if start:
            qs = qs.filter(**{f"{name}__gte": _day_start(start)})
        if end:
            qs = qs.filter(**{f"{name}__lt": _day_start(end + timedelta(days=1))})
    return qs


@dataclass(slots=True)
class QueueRow:
    """One case as a queue lists it: its list columns, the names it shows, its tags (no model instances).

    Building 50 cases with their service type, team and assignee as model instances cost more than
    the query; a row is a plain object with what the list shows and the page's sort keys.
    """

    id: int
    reference: str
    title: str
    status: str
    priority: str
    channel: str
    area: str
    created_at: datetime
    updated_at: datetime
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    department_id: int | None
    service_type_id: int | None
    service_type_name: str
    team_id: int | None
    team_name: str
    assignee_id: int | None
    assignee_name: str  # display name, else email (as User.__str__)
    tag_names: list[str] = field(default_factory=list)
    priority_rank: int | None = None

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class QueuePage:
    cases: list[QueueRow]
    sort: str
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True
    errors: list[ValidationError] = field(default_factory=list)

    @property
    def more_hint(self) -> str:
        """ "50+" when there is another page: counting the whole queue is too dear on a big table."""
        return f"{len(self.cases)}+" if self.next_cursor else str(len(self.cases))


def queue_cases(
    *, actor: Any, queue: str, filters: QueueFilters | None = None, now: datetime | None = None
) -> QuerySet[Case]:
    """The cases of a queue the actor may see, filtered, unordered (NotFound for an unknown queue)."""
    definition = queue_get(queue)
    qs = definition.scope(actor, cases_visible(actor=actor), now or timezone.now())
    return apply_filters(qs, filters or QueueFilters())


# The service type's name in each language (modeltranslation's columns); the shown name is resolved
# with modeltranslation's own fallbacks (see _service_type_names).
_NAME_COLUMNS = {
    f"name_{code.replace('-', '_')}": f"service_type__name_{code.replace('-', '_')}"
    for code, _label in settings.LANGUAGES
}
# What a queue row shows (and the keys it sorts by): the rest of a case stays in the database.
LIST_COLUMNS = (
    "id",
    "reference",
    "title",
    "status",
    "priority",
    "channel",
    "area",
    "created_at",
    "updated_at",
    "resolution_due_at",
    "resolved_at",
    "department_id",
    "service_type_id",
    *_NAME_COLUMNS.values(),
    "team_id",
    "team__name",
    "assignee_id",
    "assignee__display_name",
    "assignee__email",
)


@functools.lru_cache(maxsize=1024)
def _translated_name(language: str, names: tuple[str | None, ...]) -> str:
    """The name a service type shows in `language`, through modeltranslation's own fallback rules
    (an unsaved instance, so the rules are modeltranslation's, not a copy); memoised per language
    and set of names, as the rules are settings."""
    return str(ServiceType(**dict(zip(_NAME_COLUMNS, names, strict=True))).name)


def _service_type_names(rows: list[dict[str, Any]]) -> dict[int, str]:
    """The shown name of each service type of these rows in the current language."""
    language = get_language() or ""
    names: dict[int, str] = {}
    for row in rows:
        type_id = row["service_type_id"]
        if type_id is not None and type_id not in names:
            names[type_id] = _translated_name(language, tuple(row[column] for column in _NAME_COLUMNS.values()))
    return names


def _tag_names(case_ids: list[int]) -> dict[int, list[str]]:
    """The tags of these cases, by case, in one query (ordered by name within each case)."""
    through = Case.tags.through
    names: dict[int, list[str]] = {}
    pairs = through.objects.filter(case_id__in=case_ids).order_by("tag__name").values_list("case_id", "tag__name")
    for case_id, name in pairs:
        names.setdefault(case_id, []).append(name)
    return names


def _queue_rows(values: list[dict[str, Any]]) -> list[QueueRow]:
    type_names = _service_type_names(values)
    tags = _tag_names([row["id"] for row in values]) if values else {}
    return [
        QueueRow(
            id=row["id"],
            reference=row["reference"],
            title=row["title"],
            status=row["status"],
            priority=row["priority"],
            channel=row["channel"],
            area=row["area"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            resolution_due_at=row["resolution_due_at"],
            resolved_at=row["resolved_at"],
            department_id=row["department_id"],
            service_type_id=row["service_type_id"],
            service_type_name=type_names.get(row["service_type_id"], ""),
            team_id=row["team_id"],
            team_name=row["team__name"] or "",
            assignee_id=row["assignee_id"],
            assignee_name=row["assignee__display_name"] or row["assignee__email"] or "",
            tag_names=tags.get(row["id"], []),
            priority_rank=row.get("priority_rank"),
        )
        for row in values
    ]


def queue_page(
    *,
    actor: Any,
    queue: str,
    filters: QueueFilters | None = None,
    sort: str = "",
    cursor: str = "",
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> QueuePage:
    """One keyset page of a queue as QueueRows: one query for the cases (with their service type,
    team and assignee columns) and one for their tags, whatever the size of the queue."""
    sort = sort if sort in SORTS else queue_get(queue).default_sort
    keys = SORTS[sort].keys
    qs = queue_cases(actor=actor, queue=queue, filters=filters, now=now)
    columns: tuple[str, ...] = LIST_COLUMNS
    if sort == "priority":
        qs = qs.annotate(priority_rank=PRIORITY_RANK)
        columns = (*columns, "priority_rank")
    errors: list[ValidationError] = []
    position: Cursor | None = None
    if cursor:
        try:
            position = cursor_decode(cursor, sort=sort)
        except ValidationError as error:
            errors.append(error)
    backwards = bool(position and position.backwards)
    if position is not None:
        qs = qs.filter(keyset_filter(keys, position.values, backwards=backwards))
    qs = qs.order_by(*_order_by(keys, reverse=backwards))
    values = list(qs.values(*columns)[: size + 1])
    more = len(values) > size
    values = values[:size]
    if backwards:
        values.reverse()
    rows = _queue_rows(values)
    page = QueuePage(cases=rows, sort=sort, is_first=position is None or (backwards and not more), errors=errors)
    if rows and (more or backwards):
        page.next_cursor = cursor_encode(Cursor(sort, _row_values(rows[-1], keys)))
    if rows and not page.is_first:
        page.previous_cursor = cursor_encode(Cursor(sort, _row_values(rows[0], keys), backwards=True))
    return page


# --- choices for the filter form --------------------------------------------------------------


def _scope(qs: QuerySet[Any], allowed: set[int] | None, field_name: str) -> QuerySet[Any]:
    return qs if allowed is ALL else qs.filter(**{f"{field_name}__in": allowed})


def queue_service_types(*, actor: Any) -> QuerySet[ServiceType]:
    return _scope(ServiceType.objects.all(), departments_for(actor, "case.view"), "department_id").order_by("name")


def queue_teams(*, actor: Any) -> QuerySet[Team]:
    qs = Team.objects.filter(is_active=True).select_related("department")
    qs = qs.only("id", "name", "department_id", "department__name")  # choice labels only
    return _scope(qs, departments_for(actor, "case.view"), "department_id")


def queue_assignees(*, actor: Any) -> QuerySet[User]:
    """People who work cases in a department the actor sees (or everywhere)."""
    allowed = departments_for(actor, "case.view")
    memberships = Membership.objects.filter(role__in=list(CASE_WORKERS))
    if allowed is not ALL:
        memberships = memberships.filter(Q(department_id__in=allowed) | Q(department__isnull=True))
    people = User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))
    return people.only("id", "display_name", "email").order_by("display_name", "email")  # choice labels only


# Option lists change rarely (a team, a person, a service type added or renamed) and are read on
# every queue page, so the console caches them. Their content depends only on the departments the
# actor may see (the scope) and on the rows below; any save or delete of those rows replaces the
# version stamp, so a cached list is never used after a committed change made through the ORM.
# Bulk `QuerySet.update()` calls send no signal: the console's cache timeout bounds that case.
OPTIONS_VERSION_KEY = "cases:queue-options:version"
_USER_LABEL_FIELDS = frozenset({"display_name", "email", "is_active"})


def _new_options_version() -> None:
    cache.set(OPTIONS_VERSION_KEY, secrets.token_hex(8), None)


def _options_changed(sender: Any, update_fields: Any = None, **_kwargs: Any) -> None:
    if sender is User and update_fields is not None and not (_USER_LABEL_FIELDS & set(update_fields)):
        return  # a sign-in (last_login) or a password change: no label or list changes
    _new_options_version()  # at once (this transaction and the tests see it) …
    transaction.on_commit(_new_options_version)  # … and after commit (a reader between the two refilled it)


for _model in (Department, Team, User, Membership, ServiceType):
    post_save.connect(_options_changed, sender=_model, weak=False, dispatch_uid=f"queue-options-{_model.__name__}")
    post_delete.connect(_options_changed, sender=_model, weak=False, dispatch_uid=f"queue-options-d-{_model.__name__}")


def queue_options_key(*, actor: Any) -> str:
    """A cache key for the actor's option lists: the lists' version and the departments they cover."""
    allowed = departments_for(actor, "case.view")
    scope = "all" if allowed is ALL else ".".join(map(str, sorted(allowed)))
    version = cache.get(OPTIONS_VERSION_KEY)
    if version is None:
        version = secrets.token_hex(8)
        cache.add(OPTIONS_VERSION_KEY, version, None)
        version = cache.get(OPTIONS_VERSION_KEY, version)
    return f"{version}:{scope}"


# --- saved views ------------------------------------------------------------------------------


def saved_views_for(*, actor: Any) -> QuerySet[SavedView]:
    """The actor's own saved views (nobody sees another person's)."""
    return SavedView.objects.filter(owner_id=actor.pk).order_by("name")


def saved_view_get(*, actor: Any, view_id: int) -> SavedView:
    view = saved_views_for(actor=actor).filter(pk=view_id).first()
    if view is None:
        raise NotFound("Not found.")
    return view


# --- supervisor workload ----------------------------------------------------------------------


@dataclass
class WorkloadRow:
    key: int | None
    label: str
    open: int
    overdue: int
    due_soon: int = 0


@dataclass
class Workload:
    departments: list[Department]
    teams: list[WorkloadRow]
    people: list[WorkloadRow]
    service_types: list[WorkloadRow]


def _counts(now: datetime) -> dict[str, Count]:
    running = Q(status__in=RUNNING)
    return {
        "open_count": Count("id"),
        "overdue_count": Count("id", filter=running & Q(resolution_due_at__lt=now)),
        "due_soon_count": Count(
            "id", filter=running & Q(resolution_due_at__gte=now, resolution_due_at__lte=now + DUE_SOON)
        ),
    }


def _rows(
    qs: QuerySet[Case], key: str, labels: tuple[str, ...], now: datetime, fallback: str, *, first_only: bool = False
) -> list[WorkloadRow]:
    """One GROUP BY query; the label joins the `labels` columns (or takes the first non-empty one)."""
    grouped = qs.values(key, *labels).annotate(**_counts(now)).order_by(*labels)
    parts = slice(0, 1) if first_only else slice(None)
    return [
        WorkloadRow(
            row[key],
            " / ".join([str(row[name]) for name in labels if row[name]][parts]) or fallback,
            row["open_count"],
            row["overdue_count"],
            row["due_soon_count"],
        )
        for row in grouped
    ]


def workload_for(*, actor: Any, now: datetime | None = None) -> Workload:
    """Open, overdue and due-soon counts per team, person and service type in the departments the
    actor manages: one query for the departments and three GROUP BY queries, whatever the size."""
    now = now or timezone.now()
    allowed = departments_for(actor, "workload.view")
    departments = list(_scope(Department.objects.filter(is_active=True), allowed, "id").order_by("name"))
    qs = _scope(Case.objects.filter(status__in=OPEN), allowed, "department_id")
    return Workload(
        departments=departments,
        teams=_rows(qs, "team_id", ("team__department__name", "team__name"), now, str(_("No team"))),
        people=_rows(
            qs,
            "assignee_id",
            ("assignee__display_name", "assignee__email"),
            now,
            str(_("Nobody (unassigned)")),
            first_only=True,
        ),
        service_types=_rows(qs, "service_type_id", ("service_type__name",), now, ""),
    )
