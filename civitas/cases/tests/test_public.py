"""Public reads of requests (civitas.cases.public): only public fields, privacy rules, keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civitas.cases.models import Case, CaseDailyStat
from civitas.cases.public import (
    PUBLIC_STATUS_LABELS,
    PublicFilters,
    decode_cursor,
    encode_cursor,
    most_requested,
    public_merged_into,
    public_points,
    public_request,
    public_requests,
    public_street,
    round_point,
    snap_to_grid,
)
from civitas.core.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_type(service_type, department):
    from civitas.catalog.models import ServiceType

    return ServiceType.objects.create(
        code="welfare-check", name="Welfare check", group=service_type.group, department=department, is_private=True
    )


@pytest.fixture
def sensitive_type(service_type, department):
    from civitas.catalog.models import ServiceType

    return ServiceType.objects.create(
        code="needle",
        name="Needles found",
        name_es="Agujas encontradas",
        group=service_type.group,
        department=department,
        is_location_sensitive=True,
    )


def _age(case: Case, **delta) -> Case:
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(**delta))
    case.refresh_from_db()
    return case


# --- addresses and points ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "street"),
    [
        ("12 Main St", "Main St"),
        ("12A Main St, Riverton, MA 02124", "Main St"),
        ("12-14 Elm Avenue, Apt 3", "Elm Avenue"),
        ("Main St Apt 4B", "Main St"),
        ("Flat 2, 7 High Street", ""),  # the first part is only the flat: nothing safe is left
        ("Calle Mayor 12, Madrid", "Calle Mayor"),
        ("#5 99 Oak Rd", "Oak Rd"),
        ("INTERSECTION of Main St & Elm Ave, Boston", "INTERSECTION of Main St & Elm Ave"),
        ("Main St & 2nd Ave", "Main St & 2nd Ave"),
        ("12", ""),
        ("", ""),
    ],
)
def test_public_street_drops_house_numbers_units_and_the_rest_of_the_address(address, street):
    assert public_street(address) == street


def test_round_point_keeps_about_a_hundred_metres():
    assert round_point(42.356789, -71.061234) == (42.357, -71.061)


def test_snap_to_grid_returns_the_cell_centre_for_every_point_in_the_cell():
    centre = snap_to_grid(42.35001, -71.06001, metres=500)
    assert abs(centre[0] - 42.35) < 0.0045 and abs(centre[1] + 71.06) < 0.0062  # within one cell
    for dlat, dlong in ((0.002, 0.002), (-0.002, -0.0029), (0.0, 0.0)):
        assert snap_to_grid(centre[0] + dlat, centre[1] + dlong, metres=500) == centre
    assert snap_to_grid(centre[0] + 0.0046, centre[1], metres=500) != centre  # the next cell north


def test_cursor_round_trip_and_junk_is_ignored():
    now = timezone.now()
    assert decode_cursor(encode_cursor(now, 42)) == (now, 42)
    for junk in ("", None, "not-base64!", "Zm9v", encode_cursor(now, 1)[:-3] + "###"):
        assert decode_cursor(junk) is None


# --- list, map, detail ---------------------------------------------------------------------------


def test_public_rows_carry_public_fields_only(make_case):
    make_case(address="12 Main St, Riverton", area="Downtown", lat=42.356789, long=-71.061234)

    (row,) = public_requests(PublicFilters()).rows

    assert row.service_name == "Street light out"
    assert row.street == "Main St"
    assert row.area == "Downtown"
    assert (row.lat, row.long) == (42.357, -71.061)
    assert row.status_label == str(PUBLIC_STATUS_LABELS["new"])
    assert row.is_open
    for private in ("description", "attributes", "requester", "tracking_token", "address", "title"):
        assert not hasattr(row, private)


def test_private_service_types_never_appear(make_case, private_type, caseworker):
    make_case()
    hidden = make_case(service_type=private_type, attributes={})

    assert [row.service_code for row in public_requests(PublicFilters()).rows] == ["streetlight"]
    assert [row.service_code for row in public_points(PublicFilters())] == ["streetlight"]
    assert public_requests(PublicFilters(service_code="welfare-check")).rows == []
    with pytest.raises(NotFound):
        public_request(hidden.reference)


def test_location_sensitive_types_show_a_grid_cell_and_no_street(make_case, sensitive_type):
    make_case(service_type=sensitive_type, attributes={}, address="12 Main St", lat=42.35001, long=-71.06001)

    (row,) = public_points(PublicFilters())

    assert row.street == ""
    assert row.location_is_approximate
    assert (row.lat, row.long) == snap_to_grid(42.35001, -71.06001)


def test_filters_by_service_status_area_and_dates(make_case, sensitive_type, caseworker):
    from civitas.cases.services import case_transition

    light = make_case(area="Downtown")
    needle = _age(make_case(service_type=sensitive_type, attributes={}, area="Harbour"), days=10)
    case_transition(actor=caseworker, case=needle, to_status="resolved")

    def refs(**filters):
        return [row.reference for row in public_requests(PublicFilters(**filters)).rows]

    assert refs() == [light.reference, needle.reference]
    assert refs(service_code="needle") == [needle.reference]
    assert refs(status="open") == [light.reference]
    assert refs(status="closed") == [needle.reference]
    assert refs(area="harbour") == [needle.reference]
    today = timezone.localdate()
    assert refs(since=today) == [light.reference]
    assert refs(until=today - timedelta(days=5)) == [needle.reference]
    assert refs(since=today - timedelta(days=11), until=today - timedelta(days=9)) == [needle.reference]


def test_keyset_pages_walk_every_row_once_newest_first_without_counting(make_case):
    cases = [_age(make_case(), minutes=n) for n in range(7)]
    same_time = cases[2].created_at
    Case.objects.filter(pk=cases[3].pk).update(created_at=same_time)  # ties are broken by id

    seen, after = [], None
    with CaptureQueriesContext(connection) as queries:
        while True:
            page = public_requests(PublicFilters(), after=after, size=3)
            seen.extend(row.reference for row in page.rows)
            if not page.next_cursor:
                break
            after = page.next_cursor
    assert len(queries) == 3  # one query per page, no COUNT
    assert not any("COUNT(" in query["sql"].upper() for query in queries)
    assert sorted(seen) == sorted(case.reference for case in cases)
    assert len(seen) == len(set(seen))


def test_map_points_are_capped_newest_first_and_skip_cases_without_a_point(make_case):
    newest = make_case()
    _age(make_case(), hours=1)
    make_case(lat=None, long=None)

    points = public_points(PublicFilters(), limit=1)

    assert [row.reference for row in points] == [newest.reference]
    assert all(row.lat is not None for row in public_points(PublicFilters()))
    assert len(public_points(PublicFilters())) == 2


def test_detail_shows_the_public_timeline_without_messages_or_internal_notes(make_case, caseworker):
    from civitas.cases.models import EntryKind, TimelineEntry
    from civitas.cases.services import case_add_note, case_transition

    case = make_case()
    case_add_note(actor=caseworker, case=case, body="Crew booked for Tuesday.", public=True)
    case_add_note(actor=caseworker, case=case, body="Resident Ana Reyes called twice.", public=False)
    TimelineEntry.objects.create(case=case, kind=EntryKind.MESSAGE_OUT, is_public=True, body="Dear Ana, thanks")
    case_transition(actor=caseworker, case=case, to_status="resolved", note="Lamp replaced.")

    detail = public_request(case.reference)

    assert [(entry.kind, entry.body) for entry in detail.timeline] == [
        ("system", ""),
        ("public_update", "Crew booked for Tuesday."),
        ("status_change", "Lamp replaced."),
    ]
    assert detail.timeline[0].event == "created"
    assert detail.timeline[2].status == "resolved"
    assert not detail.request.is_open


def test_detail_of_unknown_reference_is_not_found(db):
    with pytest.raises(NotFound):
        public_request("SR-1999-000001")


def test_merged_cases_leave_the_list_and_name_the_case_they_went_into(make_case, supervisor):
    from civitas.cases.services import case_merge

    target = make_case()
    source = make_case()
    case_merge(actor=supervisor, source=source, target=target)

    assert [row.reference for row in public_requests(PublicFilters()).rows] == [target.reference]
    assert public_request(source.reference).request.reference == source.reference
    assert public_merged_into(source.reference) == target.reference
    assert public_merged_into(target.reference) is None


def test_detail_names_the_service_in_the_active_language(make_case, sensitive_type):
    case = make_case(service_type=sensitive_type, attributes={})

    assert public_request(case.reference, language="es").request.service_name == "Agujas encontradas"
    assert public_request(case.reference, language="en").request.service_name == "Needles found"


# --- most requested ------------------------------------------------------------------------------


def test_most_requested_reads_the_rollup_of_the_last_90_days_and_hides_private_types(
    service_type, sensitive_type, private_type, department
):
    today = timezone.localdate()
    for st, day, opened in (
        (service_type, today, 3),
        (sensitive_type, today - timedelta(days=1), 5),
        (private_type, today, 50),
        (service_type, today - timedelta(days=200), 100),  # too old to count
    ):
        CaseDailyStat.objects.create(day=day, service_type=st, department=department, opened=opened)

    with CaptureQueriesContext(connection) as queries:
        popular = most_requested(limit=5, language="es")
    assert [item.code for item in popular] == ["needle", "streetlight"]
    assert popular[0].name == "Agujas encontradas"
    assert not any('"cases_case"' in query["sql"] for query in queries)  # the rollup, never the cases

    with CaptureQueriesContext(connection) as cached:
        assert most_requested(limit=5, language="es") == popular
    assert len(cached) == 0


def test_most_requested_is_empty_without_history(db):
    assert most_requested(limit=5) == []
