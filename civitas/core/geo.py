"""Geography helpers: distance on the Earth and the jurisdiction's boundary.

The boundary is a GeoJSON file named by settings.JURISDICTION_BOUNDARY_FILE: a Polygon or
MultiPolygon geometry, a Feature holding one, or a FeatureCollection of them (coordinates are
GeoJSON's [longitude, latitude]). It is read once per process and per path; an empty setting
means "no boundary" (every point is inside). A file that is missing or not a polygon fails
loudly (ImproperlyConfigured) rather than letting every point through.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180


def haversine_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(long2 - long1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, long: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_long, max_long) of a box that holds every point within `radius_m`."""
    d_lat = radius_m / METRES_PER_DEGREE_LAT
    cos_lat = math.cos(math.radians(min(abs(lat) + d_lat, 89.9)))
    d_long = min(180.0, radius_m / (METRES_PER_DEGREE_LAT * max(cos_lat, 1e-6)))
    return lat - d_lat, lat + d_lat, long - d_long, long + d_long


@lru_cache(maxsize=4)
def _load_boundary(path: str) -> Any:
    from shapely.geometry import shape
    from shapely.ops import unary_union
    from shapely.prepared import prep

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"JURISDICTION_BOUNDARY_FILE {path!r} cannot be read as GeoJSON: {exc}") from None
    geometries = [shape(geometry) for geometry in _geometries(data)]
    polygons = [g for g in geometries if g.geom_type in {"Polygon", "MultiPolygon"} and not g.is_empty]
    if not polygons:
        raise ImproperlyConfigured(f"JURISDICTION_BOUNDARY_FILE {path!r} holds no Polygon or MultiPolygon.")
    return prep(unary_union(polygons))


def _geometries(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    kind = data.get("type")
    if kind == "FeatureCollection":
        return [g for feature in data.get("features") or [] for g in _geometries(feature)]
    if kind == "Feature":
        return _geometries(data.get("geometry"))
    if kind == "GeometryCollection":
        return [g for geometry in data.get("geometries") or [] for g in _geometries(geometry)]
    return [data] if kind in {"Polygon", "MultiPolygon"} else []


def boundary_configured() -> bool:
    return bool((settings.JURISDICTION_BOUNDARY_FILE or "").strip())


def point_inside_boundary(lat: float, long: float) -> bool:
    """True when (lat, long) lies inside (or on the edge of) the jurisdiction, or no boundary is set."""
    path = (settings.JURISDICTION_BOUNDARY_FILE or "").strip()
    if not path:
        return True
    from shapely.geometry import Point

    boundary = _load_boundary(path)
    point = Point(float(long), float(lat))
    return bool(boundary.covers(point))


def clear_cache() -> None:
    """Forget loaded boundaries (tests that change the setting or the file)."""
    _load_boundary.cache_clear()
