"""Portal: the public requests list, its map data and one request — public fields only."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db

SECRET_DESCRIPTION = "My neighbour Ana Reyes at 12 Main St leaves bags out"


@pytest.fixture
def types(department):
    from civitas.catalog.models import ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="streets", name="Streets")

    def make(code, name, **extra):
        return ServiceType.objects.create(code=code, name=name, group=group, department=department, **extra)

    return {
        "pothole": make("pothole", "Pothole", name_es="Bache"),
        "needle": make("needle", "Needles found", is_location_sensitive=True),
        "welfare": make("welfare", "Welfare check", is_private=True),
    }


@pytest.fixture
def supervisor(make_staff, department):
    return make_staff("supervisor", department)


@pytest.fixture
def person(db):
    from civitas.people.models import Person

    return Person.objects.create(given_name="Ana", family_name="Reyes")


@pytest.fixture
def make_case(types, supervisor, person):
    from civitas.cases.services import case_create

    def make(code="pothole", **overrides):
        values = {
            "actor": supervisor,
            "service_type": code,
            "channel": "phone",
            "description": SECRET_DESCRIPTION,
            "title": "Bags by Ana's door",
            "address": "12 Main St, Riverton",
            "area": "Downtown",
            "lat": 42.356789,
            "long": -71.061234,
            "requester": person,
        }
        values.update(overrides)
        return case_create(**values)

    return make


def assert_no_personal_data(text: str, case) -> None:
    for secret in (SECRET_DESCRIPTION, "Ana", "Reyes", "12 Main St", case.tracking_token, "42.356789", "-71.061234"):
        assert secret not in text, secret


def test_list_shows_public_fields_and_nothing_personal(client, make_case):
    case = make_case()

    response = client.get("/requests/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert f'href="/requests/{case.reference}/"' in html
    assert "Pothole" in html and "Received" in html and "Near Main St" in html and "Downtown" in html
    assert_no_personal_data(html, case)


def test_private_types_never_appear_and_their_detail_is_not_found(client, make_case):
    hidden = make_case("welfare")

    assert hidden.reference not in client.get("/requests/").content.decode()
    assert hidden.reference not in client.get("/requests/map.geojson").content.decode()
    assert client.get(f"/requests/{hidden.reference}/").status_code == 404
    assert "Welfare check" not in client.get("/requests/").content.decode()  # not even in the filter


def test_map_data_is_geojson_with_rounded_or_grid_points(client, make_case):
    from civitas.cases.public import snap_to_grid

    pothole = make_case()
    needle = make_case("needle")

    response = client.get("/requests/map.geojson")

    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and data["limit"] == 500
    by_ref = {feature["properties"]["reference"]: feature for feature in data["features"]}
    assert by_ref[pothole.reference]["geometry"]["coordinates"] == [-71.061, 42.357]
    assert by_ref[needle.reference]["geometry"]["coordinates"] == list(reversed(snap_to_grid(42.356789, -71.061234)))
    assert by_ref[needle.reference]["properties"]["street"] == ""
    assert by_ref[needle.reference]["properties"]["approximate"] is True
    assert by_ref[pothole.reference]["properties"]["url"] == f"/requests/{pothole.reference}/"
    assert_no_personal_data(response.content.decode(), pothole)


def test_filters_apply_to_list_and_map_alike(client, make_case, supervisor):
    from civitas.cases.services import case_transition

    open_case = make_case()
    done = make_case("needle", area="Harbour")
    case_transition(actor=supervisor, case=done, to_status="resolved")

    for query, expected in (
        ({"status": "open"}, open_case),
        ({"status": "closed"}, done),
        ({"service": "needle"}, done),
        ({"area": "harbour"}, done),
    ):
        html = client.get("/requests/", query).content.decode()
        geo = json.loads(client.get("/requests/map.geojson", query).content)
        assert [f["properties"]["reference"] for f in geo["features"]] == [expected.reference], query
        other = done if expected is open_case else open_case
        assert expected.reference in html and other.reference not in html, query
    html = client.get("/requests/", {"status": "closed"}).content.decode()
    assert 'data-geojson="/requests/map.geojson?status=closed"' in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"service": "unicorns"}, "service", "We do not know that service"),
        ({"service": "welfare"}, "service", "We do not know that service"),
        ({"status": "maybe"}, "status", "Choose “Still open” or “Done or closed”"),
        ({"since": "31/31/2026"}, "since", "Enter the date as year-month-day"),
        ({"until": "yesterday"}, "until", "Enter the date as year-month-day"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, "until", "must be the same as or after"),
    ],
)
def test_bad_filters_get_a_message_at_the_field_and_the_rest_still_applies(client, make_case, query, field, message):
    case = make_case()

    response = client.get("/requests/", {**query, "area": "Downtown"})

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'id="id_{field}-error"' in html
    assert f'href="#id_{field}"' in html  # the error summary links to the field
    assert 'value="Downtown"' in html  # the other typed values are kept
    if field in ("since", "until"):
        assert f'value="{query[field]}"' in html  # the typed date is kept (a bad choice in a list cannot be)
    if field != "until" or "since" not in query:
        assert case.reference in html  # the other filters still apply


def test_older_requests_link_walks_keyset_pages_with_the_filters_kept(client, make_case):
    from civitas.cases.models import Case
    from civitas.cases.public import PUBLIC_PAGE_SIZE

    refs = []
    for n in range(PUBLIC_PAGE_SIZE + 2):
        case = make_case()
        Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(minutes=n))
        refs.append(case.reference)

    first = client.get("/requests/", {"status": "open"}).content.decode()
    older = re.search(r'href="(\?status=open&amp;after=[^"]+)"', first)
    assert older
    second = client.get("/requests/" + older.group(1).replace("&amp;", "&")).content.decode()

    assert refs[0] in first and refs[-1] not in first
    assert refs[-1] in second and refs[0] not in second
    assert "Newest requests" in second and "Older requests" not in second


def test_a_junk_cursor_shows_the_first_page(client, make_case):
    case = make_case()
    assert case.reference in client.get("/requests/", {"after": "%%%junk"}).content.decode()


def test_list_page_queries_are_few_and_do_not_count(client, make_case):
    for _ in range(5):
        make_case()
    client.get("/requests/")  # warm the catalogue cache
    with CaptureQueriesContext(connection) as queries:
        client.get("/requests/")
    assert len(queries) <= 3, [query["sql"] for query in queries]
    assert not any("COUNT(" in query["sql"].upper() for query in queries)


def test_detail_shows_public_fields_and_public_timeline_only(client, make_case, supervisor):
    from civitas.cases.services import case_add_note

    case = make_case()
    case_add_note(actor=supervisor, case=case, body="Crew booked for Tuesday.", public=True)
    case_add_note(actor=supervisor, case=case, body="Ana called again, internal only.", public=False)

    response = client.get(f"/requests/{case.reference}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Request received" in html and "Crew booked for Tuesday." in html
    assert "internal only" not in html
    assert 'href="/track/"' in html or "/track" not in html  # the follow pointer once tracking exists
    assert 'data-lat="42.35700"' in html
    assert_no_personal_data(html, case)


def test_detail_of_a_sensitive_type_says_the_location_is_approximate(client, make_case):
    case = make_case("needle")

    html = client.get(f"/requests/{case.reference}/").content.decode()

    assert "Main St" not in html
    assert "Downtown" in html
    assert "only the general area" in html


def test_merged_request_points_to_the_request_it_went_into(client, make_case, supervisor):
    from civitas.cases.services import case_merge

    target = make_case()
    source = make_case()
    case_merge(actor=supervisor, source=source, target=target)

    html = client.get(f"/requests/{source.reference}/").content.decode()

    assert f'href="/requests/{target.reference}/"' in html


def test_unknown_reference_is_not_found(client, types):
    assert client.get("/requests/SR-1999-000001/").status_code == 404


def test_spanish_names_in_list_and_map(client, make_case):
    make_case()

    html = client.get("/requests/", headers={"accept-language": "es"}).content.decode()
    geo = client.get("/requests/map.geojson", headers={"accept-language": "es"}).content.decode()

    assert "Bache" in html
    assert '"service": "Bache"' in geo
