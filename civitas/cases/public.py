"""Public reads of requests for the portal's "requests near you" list, map and detail page.

Anyone may read these, so they return only fields that are safe for the public (see
docs/howto/public-requests.md):

- reference, service name (in the active language), a plain-words status, area, creation date;
- a *street*, never an address: the first part of the address with the house number and any
  unit (apartment, flat, #) removed; nothing for location-sensitive service types;
- a *rounded point*: latitude/longitude rounded to PUBLIC_POINT_DECIMALS (about 100 m), or for
  location-sensitive service types the centre of a PUBLIC_GRID_METRES grid cell;
- on the detail page, the public timeline: when it was received, status changes (with the note
  staff chose to make public), public updates written by staff. Messages to or from the resident
  are never shown, even when marked public.

Never: names, contacts, descriptions, attributes, internal notes, photos, tracking tokens.
Service types marked `is_private` never appear (list, map, detail: not found); cases merged into
another are left out of lists (the detail page of a merged reference names the case it went into).

Lists are keyset pages over (created_at, id) — the `case_created_idx` index, or
`case_type_created_idx` when one service is chosen — and never COUNT the table.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, F, Q, QuerySet, Sum, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.settings import DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname

from civitas.cases.models import Case, CaseDailyStat, EntryKind, TimelineEntry
from civitas.cases.states import CLOSED_STATUSES, OPEN_STATUSES, CaseStatus
from civitas.catalog.models import ServiceType
from civitas.catalog.selectors import resolve_language
from civitas.core.errors import NotFound

PUBLIC_PAGE_SIZE = 25
PUBLIC_PAGE_MAX = 100
PUBLIC_MAP_LIMIT = 500  # the map shows at most this many of the newest matching requests
PUBLIC_POINT_DECIMALS = 3  # about 110 m north-south: near the place, not the front door
MOST_REQUESTED_DAYS = 90
MOST_REQUESTED_CACHE_SECONDS = 300
METRES_PER_DEGREE = 111_320.0

# Status in plain words for the public. "open"/"closed" are the filter values.
PUBLIC_STATUS_LABELS: dict[str, Any] = {
    CaseStatus.NEW: _("Received"),
    CaseStatus.OPEN: _("Open"),
    CaseStatus.IN_PROGRESS: _("Being worked on"),
    CaseStatus.WAITING: _("Waiting for more information"),
    CaseStatus.RESOLVED: _("Done"),
    CaseStatus.CLOSED: _("Closed"),
}
STATUS_GROUPS = {"open": sorted(OPEN_STATUSES), "closed": sorted(CLOSED_STATUSES)}
STATUS_GROUP_LABELS = {"open": _("Still open"), "closed": _("Done or closed")}

# The public timeline shows only these kinds, whatever else is marked public.
PUBLIC_ENTRY_KINDS = (EntryKind.PUBLIC_UPDATE, EntryKind.STATUS_CHANGE, EntryKind.SYSTEM)
# Case columns a public row needs (nothing personal).
_COLUMNS = ("id", "reference", "status", "area", "address", "lat", "long", "created_at")


@dataclass(frozen=True)
class PublicFilters:
    """What the public list and map are narrowed to (each None/"" means "any")."""

    service_code: str = ""
    status: str = ""  # "open", "closed" or ""
    area: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class PublicRequest:
    """One request as the public may see it (`pk` is only for page cursors; never shown)."""

    pk: int
    reference: str
    service_code: str
    service_name: str
    status: str
    is_open: bool
    area: str
    street: str
    created_at: datetime
    lat: float | None
    long: float | None
    location_is_approximate: bool

    @property
    def status_label(self) -> str:
        return str(PUBLIC_STATUS_LABELS.get(self.status, self.status))


@dataclass(frozen=True)
class PublicEntry:
    """One public timeline entry: what happened, when, and the public text staff wrote (if any)."""

    kind: str
    created_at: datetime
    body: str
    status: str = ""
    event: str = ""

    @property
    def status_label(self) -> str:
        return str(PUBLIC_STATUS_LABELS.get(self.status, self.status)) if self.status else ""


@dataclass(frozen=True)
class PublicRequestDetail:
    request: PublicRequest
    timeline: list[PublicEntry] = field(default_factory=list)


@dataclass(frozen=True)
class PublicPage:
    rows: list[PublicRequest]
    next_cursor: str | None


@dataclass(frozen=True)
class PopularService:
    code: str
    name: str
    description: str


# --- location privacy ------------------------------------------------------------------------------

_UNIT = re.compile(r"\b(?:apt|apartment|unit|suite|ste|flat|fl|floor|piso|depto|dpto)\.?\s*[\w-]+", re.IGNORECASE)
_HASH_UNIT = re.compile(r"#\s*[\w-]+")
_HOUSE_NUMBER = re.compile(r"^\s*(?:no\.?\s*)?\d+[\w/-]*\s+", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"(?:,|\s)\s*(?:no\.?\s*)?\d+[\w/-]*\s*$", re.IGNORECASE)


def public_street(address: str) -> str:
    """The street of an address, without house number or unit ("12 Main St, Apt 3" → "Main St").

    Only the first comma-separated part is kept (the rest is town, state, postcode). An
    intersection ("Main St & 2nd Ave") stays as it is. Empty when nothing but numbers is left.
    """
    first = (address or "").split(",")[0]
    first = _HASH_UNIT.sub(" ", _UNIT.sub(" ", first))
    first = _HOUSE_NUMBER.sub("", first)
    first = _TRAILING_NUMBER.sub("", first)  # "Calle Mayor 12"
    street = " ".join(first.split()).strip(" -/")
    return street if re.search(r"[^\W\d_]", street) else ""


def round_point(lat: float, long: float, *, decimals: int = PUBLIC_POINT_DECIMALS) -> tuple[float, float]:
    return round(lat, decimals), round(long, decimals)


def snap_to_grid(lat: float, long: float, *, metres: int | None = None) -> tuple[float, float]:
    """The centre of the grid cell (`metres` wide, default PUBLIC_GRID_METRES) holding the point."""
    metres = metres or settings.PUBLIC_GRID_METRES
    lat_step = metres / METRES_PER_DEGREE
    centre_lat = (math.floor(lat / lat_step) + 0.5) * lat_step
    long_step = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(centre_lat)), 0.01))
    centre_long = (math.floor(long / long_step) + 0.5) * long_step
    return round(min(max(centre_lat, -90.0), 90.0), 5), round(min(max(centre_long, -180.0), 180.0), 5)


def public_point(lat: float | None, long: float | None, sensitive: bool) -> tuple[float | None, float | None]:
    """A point as the public may see it: rounded, or only a grid cell for location-sensitive services."""
    if lat is None or long is None:
        return None, None
    return snap_to_grid(lat, long) if sensitive else round_point(lat, long)


# --- cursors ---------------------------------------------------------------------------------------


def encode_cursor(created_at: datetime, pk: int) -> str:
    raw = f"{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (created_at, id) a cursor names, or None when it is missing or malformed."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        created = datetime.fromisoformat(stamp)
        if timezone.is_naive(created):
            return None
        return created, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


# --- selectors -------------------------------------------------------------------------------------


def _public_cases(filters: PublicFilters) -> QuerySet[Case]:
    qs = Case.objects.filter(service_type__is_private=False, merged_into__isnull=True)
    if filters.service_code:
        qs = qs.filter(service_type__code=filters.service_code)
    if filters.status in STATUS_GROUPS:
        qs = qs.filter(status__in=STATUS_GROUPS[filters.status])
    if filters.area:
        qs = qs.filter(area__iexact=filters.area.strip())
    if filters.since:
        qs = qs.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(created_at__lt=_day_start(filters.until + timedelta(days=1)))
    return qs


def _translated(path: str, language: str, output: type[CharField] | type[TextField] = CharField) -> Any:
    """`path` (e.g. "service_type__name") in `language`, else the default language when empty."""
    default = F(build_localized_fieldname(path, DEFAULT_LANGUAGE))
    if language == DEFAULT_LANGUAGE:
        return default
    field = output()
    chosen = NullIf(F(build_localized_fieldname(path, language)), Value(""), output_field=field)
    return Coalesce(chosen, default, output_field=field)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _rows(qs: QuerySet[Case], language: str) -> list[PublicRequest]:
    values = qs.annotate(
        service_name=_translated("service_type__name", language),
    ).values(*_COLUMNS, "service_name", "service_type__code", "service_type__is_location_sensitive")
    return [_row(value) for value in values]


def _row(value: dict[str, Any]) -> PublicRequest:
    sensitive = bool(value["service_type__is_location_sensitive"])
    lat, long = public_point(value["lat"], value["long"], sensitive)
    return PublicRequest(
        pk=value["id"],
        reference=value["reference"],
        service_code=value["service_type__code"],
        service_name=value["service_name"] or value["service_type__code"],
        status=value["status"],
        is_open=value["status"] in OPEN_STATUSES,
        area=value["area"],
        street="" if sensitive else public_street(value["address"]),
        created_at=value["created_at"],
        lat=lat,
        long=long,
        location_is_approximate=sensitive,
    )


def public_requests(
    filters: PublicFilters,
    *,
    after: str | None = None,
    size: int = PUBLIC_PAGE_SIZE,
    language: str | None = None,
) -> PublicPage:
    """Newest first, one keyset page; `after` is the cursor of the previous page's "older" link.

    One query (size + 1 rows: the extra row only says whether an older page exists).
    """
    size = min(max(1, size), PUBLIC_PAGE_MAX)
    qs = _public_cases(filters).order_by("-created_at", "-id")
    boundary = decode_cursor(after)
    if boundary is not None:
        created, pk = boundary
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    rows = _rows(qs[: size + 1], resolve_language(language))
    if len(rows) <= size:
        return PublicPage(rows=rows, next_cursor=None)
    rows = rows[:size]
    return PublicPage(rows=rows, next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk))


def public_points(
    filters: PublicFilters, *, limit: int = PUBLIC_MAP_LIMIT, language: str | None = None
) -> list[PublicRequest]:
    """The newest `limit` matching requests that have a point (the map's data), points made public."""
    qs = _public_cases(filters).filter(lat__isnull=False, long__isnull=False).order_by("-created_at", "-id")
    return _rows(qs[: max(0, limit)], resolve_language(language))


def public_request(reference: str, *, language: str | None = None) -> PublicRequestDetail:
    """One request's public fields and public timeline; NotFound for unknown and private ones."""
    reference = (reference or "").strip()
    base = Case.objects.filter(reference=reference, service_type__is_private=False)
    found = _rows(base, resolve_language(language))
    if not found:
        raise NotFound("No public request has this reference.", field="reference")
    entries = (
        TimelineEntry.objects.filter(case_id=found[0].pk, is_public=True, kind__in=PUBLIC_ENTRY_KINDS)
        .order_by("created_at", "id")
        .values("kind", "created_at", "body", "data")
    )
    return PublicRequestDetail(request=found[0], timeline=[_entry(entry) for entry in entries])


def public_merged_into(reference: str) -> str | None:
    """The reference of the case this one was merged into (public, same visibility rules), or None."""
    reference = (reference or "").strip()
    row = (
        Case.objects.filter(reference=reference, service_type__is_private=False, merged_into__isnull=False)
        .values_list("merged_into__reference", "merged_into__service_type__is_private")
        .first()
    )
    if row is None or row[1]:
        return None
    return row[0]


def _entry(value: Mapping[str, Any]) -> PublicEntry:
    data = value["data"] if isinstance(value["data"], dict) else {}
    kind = value["kind"]
    body = value["body"] if kind in (EntryKind.PUBLIC_UPDATE, EntryKind.STATUS_CHANGE) else ""
    status = str(data.get("to", "")) if kind == EntryKind.STATUS_CHANGE else ""
    event = str(data.get("event", "")) if kind == EntryKind.SYSTEM else ""
    return PublicEntry(kind=kind, created_at=value["created_at"], body=body, status=status, event=event)


def most_requested(*, limit: int = 6, language: str | None = None, version: int = 0) -> list[PopularService]:
    """The public service types with the most requests in the last MOST_REQUESTED_DAYS days.

    Read from the CaseDailyStat rollup (one GROUP BY over at most days × service types rows,
    never a scan of cases), and cached per language and catalogue `version` (pass
    catalog.definitions.catalog_version() so a catalogue change shows at once) for
    MOST_REQUESTED_CACHE_SECONDS.
    """
    language = resolve_language(language)
    key = f"portal:most-requested:{language}:{limit}:{version}"
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    since = timezone.localdate() - timedelta(days=MOST_REQUESTED_DAYS)
    ranked = list(
        CaseDailyStat.objects.filter(day__gte=since)
        .values("service_type_id")
        .annotate(total=Sum("opened"))
        .filter(total__gt=0)
        .order_by("-total", "service_type_id")
        .values_list("service_type_id", flat=True)[: limit * 3]
    )
    services = _popular(ranked, language)[:limit]
    cache.set(key, services, MOST_REQUESTED_CACHE_SECONDS)
    return services


def _popular(ranked_ids: list[int], language: str) -> list[PopularService]:
    if not ranked_ids:
        return []
    rows = (
        ServiceType.objects.filter(pk__in=ranked_ids, is_active=True, is_private=False, department__is_active=True)
        .annotate(
            public_name=_translated("name", language),
            public_description=_translated("description", language, TextField),
        )
        .values("pk", "code", "public_name", "public_description")
    )
    by_id = {row["pk"]: row for row in rows}
    return [
        PopularService(code=row["code"], name=row["public_name"], description=row["public_description"] or "")
        for row in (by_id.get(pk) for pk in ranked_ids)
        if row is not None
    ]
