"""Distances and the jurisdiction boundary."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from civitas.core import geo

DEMO = "civitas/demo/boundary.geojson"


@pytest.fixture(autouse=True)
def _fresh():
    geo.clear_cache()
    yield
    geo.clear_cache()


def test_haversine_known_distances():
    assert geo.haversine_m(42.3601, -71.0589, 42.3601, -71.0589) == 0
    # One thousandth of a degree of latitude is about 111 m everywhere.
    assert geo.haversine_m(42.0, -71.0, 42.001, -71.0) == pytest.approx(111.2, abs=0.2)
    # Boston City Hall to the State House: about 600 m.
    assert 500 < geo.haversine_m(42.3603, -71.0578, 42.3588, -71.0638) < 600
    assert geo.haversine_m(0, 0, 0, 180) == pytest.approx(20_015_115, rel=1e-3)


def test_bounding_box_holds_the_circle():
    min_lat, max_lat, min_long, max_long = geo.bounding_box(42.36, -71.06, 50)
    for lat, long in [(max_lat, -71.06), (min_lat, -71.06), (42.36, max_long), (42.36, min_long)]:
        assert geo.haversine_m(42.36, -71.06, lat, long) >= 49.9


def test_no_boundary_means_every_point_is_inside(settings):
    settings.JURISDICTION_BOUNDARY_FILE = ""
    assert geo.point_inside_boundary(0, 0)
    assert not geo.boundary_configured()


def test_demo_boundary_holds_boston_and_not_new_york(settings):
    settings.JURISDICTION_BOUNDARY_FILE = str(settings.BASE_DIR / DEMO)
    assert geo.point_inside_boundary(42.3601, -71.0589)  # City Hall
    assert geo.point_inside_boundary(42.2715, -71.0772)  # Mattapan
    assert not geo.point_inside_boundary(40.7128, -74.0060)  # New York
    assert not geo.point_inside_boundary(42.2626, -71.8023)  # Worcester


def test_multipolygon_and_plain_geometry(settings, tmp_path):
    path = tmp_path / "b.geojson"
    square = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
    far = [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]
    path.write_text(json.dumps({"type": "MultiPolygon", "coordinates": [square, far]}))
    settings.JURISDICTION_BOUNDARY_FILE = str(path)
    assert geo.point_inside_boundary(0.5, 0.5)
    assert geo.point_inside_boundary(10.5, 10.5)
    assert geo.point_inside_boundary(0, 0.5)  # on the edge counts as inside
    assert not geo.point_inside_boundary(5, 5)


def test_a_broken_boundary_fails_loudly(settings, tmp_path):
    settings.JURISDICTION_BOUNDARY_FILE = str(tmp_path / "missing.geojson")
    with pytest.raises(ImproperlyConfigured):
        geo.point_inside_boundary(0, 0)
    point = tmp_path / "point.geojson"
    point.write_text(json.dumps({"type": "Point", "coordinates": [0, 0]}))
    settings.JURISDICTION_BOUNDARY_FILE = str(point)
    geo.clear_cache()
    with pytest.raises(ImproperlyConfigured):
        geo.point_inside_boundary(0, 0)
