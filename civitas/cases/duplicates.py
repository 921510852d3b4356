"""Possible duplicates for the portal: open requests of the same service near a point.

One bounding-box query on (service_type, lat, long) among open cases with a point — the shape of
the partial index `case_open_type_point_idx` (the WHERE matches its condition exactly, so both
PostgreSQL and SQLite use it; see tests/test_duplicates.py) — then the exact great-circle distance
in Python, nearest first.

What the public sees of a match is only what the public request list shows: the reference, the
service, the status, the address-level location (none for location-sensitive services), the date
it was opened and how far away it is. Never the description, attributes, names or contacts.
Private service types never offer duplicates (that would tell the public such a case exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from civitas.cases.models import Case
from civitas.cases.states import OPEN_STATUSES, CaseStatus
from civitas.catalog.models import ServiceType
from civitas.core.geo import bounding_box, haversine_m

DEFAULT_RADIUS_M = 50
MAX_SHOWN = 5
OPEN_CONDITION = '"{}"."status" IN ({})'.format(
    Case._meta.db_table, ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES))
)
MAX_SCANNED = 500  # rows read from the box at most: a box of ~100 m never holds more in practice


@dataclass(frozen=True)
class PossibleDuplicate:
    """A nearby open request, reduced to what may be shown to anyone."""

    reference: str
    status: str
    address: str
    area: str
    created_at: datetime
    distance_m: float

    @property
    def status_label(self) -> str:
        try:
            return str(CaseStatus(self.status).label)
        except ValueError:
            return self.status

    @property
    def distance_rounded(self) -> int:
        """Distance rounded to 5 m: precise enough to recognise the spot, no more."""
        return max(5, round(self.distance_m / 5.0) * 5)


def open_cases_near(
    *,
    service_type: ServiceType,
    lat: float,
    long: float,
    radius_m: float | None = None,
    limit: int = MAX_SHOWN,
) -> list[PossibleDuplicate]:
    """Open cases of `service_type` within its duplicate radius of (lat, long), nearest first."""
    if service_type.is_private or not service_type.is_active:
        return []
    radius = float(radius_m if radius_m is not None else service_type.duplicate_radius_m or DEFAULT_RADIUS_M)
    rows = _rows_in_box(service_type.pk, lat, long, radius)
    found = []
    for row in rows:
        distance = haversine_m(lat, long, row["lat"], row["long"])
        if distance <= radius:
            found.append(_public(row, distance, sensitive=service_type.is_location_sensitive))
    found.sort(key=lambda item: (item.distance_m, item.reference))
    return found[:limit]


def box_queryset(service_type_id: int, lat: float, long: float, radius_m: float) -> QuerySet[Case]:
    """The index-shaped query (exposed so a test can EXPLAIN it)."""
    min_lat, max_lat, min_long, max_long = bounding_box(lat, long, radius_m)
    return (
        Case.objects.filter(
            service_type_id=service_type_id,
            lat__isnull=False,
            lat__gte=min_lat,
            lat__lte=max_lat,
            long__gte=min_long,
            long__lte=max_long,
        )
        # The status list written out as literals, exactly as in the index's condition: SQLite uses a
        # partial index only when it can see the query implies the condition, which it cannot with
        # bound parameters. The values are our own constants, never input.
        .extra(where=[OPEN_CONDITION])  # noqa: S610
        .order_by()
    )


def _rows_in_box(service_type_id: int, lat: float, long: float, radius_m: float) -> list[dict]:
    columns = ("reference", "status", "lat", "long", "address", "area", "created_at")
    return list(box_queryset(service_type_id, lat, long, radius_m).values(*columns)[:MAX_SCANNED])


def _public(row: dict, distance: float, *, sensitive: bool) -> PossibleDuplicate:
    return PossibleDuplicate(
        reference=row["reference"],
        status=row["status"],
        address="" if sensitive else row["address"],
        area=row["area"],
        created_at=row["created_at"],
        distance_m=distance,
    )


def open_case_for_follow(*, reference: str) -> Case | None:
    """The open, public case with this reference that a resident may follow from the portal, else None."""
    reference = (reference or "").strip().upper()
    if not reference or len(reference) > 24:
        return None
    return (
        Case.objects.select_related("service_type")
        .filter(
            reference=reference,
            status__in=sorted(OPEN_STATUSES),
            service_type__is_private=False,
            merged_into__isnull=True,
        )
        .first()
    )
