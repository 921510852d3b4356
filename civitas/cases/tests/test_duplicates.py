"""Possible duplicates: open cases of one service type near a point, through the partial index."""

from __future__ import annotations

import pytest
from django.db import connection

from civitas.cases.duplicates import box_queryset, open_case_for_follow, open_cases_near
from civitas.cases.services import case_transition

pytestmark = pytest.mark.django_db

HERE = (42.3601, -71.0589)


def north(metres: float) -> float:
    return HERE[0] + metres / 111_195


def test_finds_open_cases_within_the_radius_nearest_first(make_case, service_type):
    far = make_case(lat=north(80), long=HERE[1])
    near = make_case(lat=north(10), long=HERE[1], address="1 Main St")
    nearer = make_case(lat=north(3), long=HERE[1])

    found = open_cases_near(service_type=service_type, lat=HERE[0], long=HERE[1])

    assert [d.reference for d in found] == [nearer.reference, near.reference]
    assert far.reference not in {d.reference for d in found}
    assert found[1].address == "1 Main St" and found[1].distance_m == pytest.approx(10, abs=0.5)
    assert found[1].distance_rounded == 10 and found[1].status_label == "New"


def test_the_radius_is_the_service_types(make_case, service_type):
    make_case(lat=north(80), long=HERE[1])
    service_type.duplicate_radius_m = 100
    assert len(open_cases_near(service_type=service_type, lat=HERE[0], long=HERE[1])) == 1


def test_closed_other_types_and_pointless_cases_are_left_out(make_case, service_type, other_service_type, caseworker):
    closed = make_case(lat=north(5), long=HERE[1])
    case_transition(actor=caseworker, case=closed, to_status="closed")
    make_case(lat=None, long=None, address="Somewhere")
    found = open_cases_near(service_type=service_type, lat=HERE[0], long=HERE[1])
    assert found == []
    assert open_cases_near(service_type=other_service_type, lat=HERE[0], long=HERE[1]) == []


def test_nothing_is_shown_for_private_types_and_no_address_for_sensitive_ones(make_case, service_type):
    make_case(lat=north(5), long=HERE[1], address="12 Secret Lane")
    service_type.is_location_sensitive = True
    found = open_cases_near(service_type=service_type, lat=HERE[0], long=HERE[1])
    assert found and found[0].address == ""
    service_type.is_private = True
    assert open_cases_near(service_type=service_type, lat=HERE[0], long=HERE[1]) == []


def test_a_public_match_carries_no_personal_fields(make_case, service_type):
    make_case(lat=north(5), long=HERE[1])
    found = open_cases_near(service_type=service_type, lat=HERE[0], long=HERE[1])[0]
    assert set(vars(found)) == {"reference", "status", "address", "area", "created_at", "distance_m"}


def test_open_case_for_follow(make_case, service_type, caseworker):
    case = make_case()
    assert open_case_for_follow(reference=case.reference.lower()) == case
    assert open_case_for_follow(reference="") is None
    case_transition(actor=caseworker, case=case, to_status="closed")
    assert open_case_for_follow(reference=case.reference) is None


def test_the_box_query_uses_the_partial_index(make_case, service_type):
    make_case(lat=north(5), long=HERE[1])
    qs = box_queryset(service_type.pk, HERE[0], HERE[1], 50).values("reference", "lat", "long")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "case_open_type_point_idx" in plan, plan
