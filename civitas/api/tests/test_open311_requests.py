"""Open311 POST/GET requests, requests/{id} and tokens: the spec's shapes, bad input, no personal data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.catalog.models import ServiceType
from civitas.integrations.models import Open311Token
from civitas.people.models import ContactPoint

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def parse_xml(content: bytes) -> ET.Element:
    """Our own server's answer (trusted test data)."""
    return ET.fromstring(content)  # noqa: S314


EMAIL = "maria.lopez@residents.example"


def post(client, key, fmt="json", **fields):
    form = {"api_key": key, "service_code": "streetlight", "lat": "42.3601", "long": "-71.0589"}
    form["attribute[pole]"] = "P-77"
    form.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        form.pop(k, None)
    return client.post(f"{BASE}/requests.{fmt}", form)


def test_post_creates_a_case_for_the_public_and_returns_the_reference(client, service_type, app_key):
    response = post(
        client,
        app_key,
        description="Lamp dark since Monday",
        email=EMAIL,
        first_name="Maria",
        last_name="Lopez",
        account_id="acct-9",
        device_id="dev-1",
        media_url="https://photos.example/1.jpg",
        **{"attribute[lamps]": "several"},
    )
    assert response.status_code == 200, response.content
    (row,) = response.json()
    case = Case.objects.get()
    assert row == {
        "service_request_id": case.reference,
        "service_notice": row["service_notice"],
        "account_id": "acct-9",
    }
    assert row["service_notice"] == "We aim to resolve requests of this kind within 72 hours."
    assert case.channel == "open311" and case.attributes == {"pole": "P-77", "lamps": "several"}
    assert case.requester.given_name == "Maria"
    assert ContactPoint.objects.filter(person=case.requester, value=EMAIL).exists()
    link = TimelineEntry.objects.get(case=case, kind=EntryKind.MESSAGE_IN)
    assert link.is_public and link.body == "https://photos.example/1.jpg"
    audit = AuditEvent.objects.filter(action="service:case:create").latest("seq")
    assert audit.actor_id is None
    assert audit.context["via"].startswith("api_key:")


def test_post_xml_answer(client, service_type, app_key):
    response = post(client, app_key, fmt="xml")
    root = parse_xml(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
    assert request.findtext("service_request_id") == Case.objects.get().reference


def test_multi_value_attributes(client, department, app_key, service_type):
    from civitas.catalog.models import AttributeValue, ServiceAttribute

    colours = ServiceAttribute.objects.create(
        service_type=service_type, code="colours", datatype="multivaluelist", description="Colours", order=3
    )
    for key in ("red", "blue", "green"):
        AttributeValue.objects.create(attribute=colours, key=key, name=key.title())
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": app_key,
            "service_code": "streetlight",
            "address_string": "1 Main St",
            "attribute[pole]": "P-1",
            "attribute[colours][]": ["blue", "red"],
        },
    )
    assert response.status_code == 200, response.content
    assert Case.objects.get().attributes["colours"] == ["red", "blue"]


def test_batch_service_returns_a_token_that_resolves(client, service_type, app_key):
    service_type.kind = "batch"
    service_type.save()
    (row,) = post(client, app_key).json()
    assert set(row) == {"token", "service_notice", "account_id"}
    token = Open311Token.objects.get()
    assert token.token == row["token"]
    answer = client.get(f"{BASE}/tokens/{row['token']}.json").json()
    assert answer == [{"service_request_id": Case.objects.get().reference, "token": row["token"]}]
    root = parse_xml(client.get(f"{BASE}/tokens/{row['token']}.xml").content)
    assert root.tag == "service_requests" and root.find("request").findtext("token") == row["token"]
    assert client.get(f"{BASE}/tokens/unknown.json").status_code == 404


@pytest.mark.parametrize(
    "fields, status, words",
    [
        ({"service_code": "nope"}, 400, "service_code"),
        ({"service_code": None}, 400, "service_code is required"),
        ({"lat": None, "long": None}, 400, "missing location"),
        ({"lat": "north"}, 400, "numbers"),
        ({"lat": "95"}, 400, "Latitude"),
        ({"description": "x" * 4001}, 400, "too long"),
        ({"attribute[pole]": None}, 400, "required"),
        ({"attribute[lamps]": "dozens"}, 400, "How many lamps"),
        ({"attribute[unknown]": "1"}, 400, "not a question"),
        ({"media_url": "javascript:alert(1)"}, 400, "http"),
        ({"email": "not-an-email"}, 400, ""),
    ],
)
def test_bad_input_is_400_in_the_spec_format(client, service_type, app_key, fields, status, words):
    response = post(client, app_key, **fields)
    assert response.status_code == status, response.content
    (error,) = response.json()
    assert error["code"] == status and words in error["description"]
    assert not Case.objects.exists()


def test_private_service_type_is_not_accepted(client, service_type, app_key):
    ServiceType.objects.filter(pk=service_type.pk).update(is_private=True)
    from civitas.catalog.definitions import clear

    clear()
    assert post(client, app_key).status_code == 400
    assert not Case.objects.exists()


def test_keys_are_checked(client, service_type, issue_key, make_staff, department):
    from civitas.integrations.keys import api_key_authenticate, api_key_revoke

    for key in ("", "cvt_wrong", issue_key(can_write=False)):
        response = post(client, key, fmt="xml")
        assert response.status_code == 403
        assert parse_xml(response.content).find("error").findtext("code") == "403"
    caseworker = make_staff("caseworker", department)
    personal = issue_key(kind="personal", owner=caseworker)
    assert post(client, personal).status_code == 403
    revoked = issue_key()
    admin = api_key_authenticate(revoked).owner
    api_key_revoke(actor=admin, key_id=api_key_authenticate(revoked).pk)
    assert post(client, revoked).status_code == 403
    assert not Case.objects.exists()


def test_oversized_body_is_413(client, service_type, app_key, settings):
    settings.API_MAX_BODY_BYTES = 2048
    response = post(client, app_key, fmt="xml", description="y" * 3000)
    assert response.status_code == 413
    assert parse_xml(response.content).find("error").findtext("code") == "413"


def test_posts_are_rate_limited_per_key(client, service_type, issue_key):
    key = issue_key(rate_limit_per_minute=1)
    assert post(client, key).status_code == 200
    limited = post(client, key)
    assert limited.status_code == 429 and limited.json()[0]["code"] == 429


# --- GET ------------------------------------------------------------------------------------------


@pytest.fixture
def reported(client, service_type, app_key):
    response = post(
        client,
        app_key,
        description="Lamp dark outside 12 Elm St",
        email=EMAIL,
        first_name="Maria",
        last_name="Lopez",
        phone="+16175550100",
        address_string="12 Elm St, Apt 4, Riverton",
        media_url="https://photos.example/2.jpg",
    )
    return Case.objects.get(reference=response.json()[0]["service_request_id"])


def test_get_requests_json_fields_and_no_personal_data(client, reported):
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    (row,) = response.json()
    assert list(row) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert row["service_request_id"] == reported.reference
    assert row["status"] == "open"
    assert row["service_code"] == "streetlight" and row["service_name"] == "Street light out"
    assert row["agency_responsible"] == "Public Works"
    assert row["description"] == "Lamp dark outside 12 Elm St"
    assert row["address"] == "Elm St"
    assert row["lat"] == 42.36 and row["long"] == -71.059
    assert row["media_url"] == "https://photos.example/2.jpg"
    assert row["requested_datetime"].endswith(("-05:00", "-04:00"))
    raw = response.content.decode()
    for secret in (EMAIL, "Maria", "Lopez", "5550100", "Apt 4", reported.tracking_token):
        assert secret not in raw


def test_get_requests_xml(client, reported):
    root = parse_xml(client.get(f"{BASE}/requests.xml").content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == reported.reference
    assert request.findtext("lat") == "42.36"
    assert request.findtext("media_url") == "https://photos.example/2.jpg"


def test_location_sensitive_types_hide_description_and_address(client, reported, service_type):
    ServiceType.objects.filter(pk=service_type.pk).update(is_location_sensitive=True)
    (row,) = client.get(f"{BASE}/requests.json").json()
    assert row["description"] == "" and row["address"] == ""
    assert (row["lat"], row["long"]) != (42.36, -71.059)
    assert abs(row["lat"] - 42.3601) < 0.01


def test_private_types_never_appear(client, reported, service_type):
    ServiceType.objects.filter(pk=service_type.pk).update(is_private=True)
    assert client.get(f"{BASE}/requests.json").json() == []
    assert client.get(f"{BASE}/requests/{reported.reference}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json?service_request_id={reported.reference}").json() == []


def test_single_request_and_status_notes(client, reported, caseworker):
    from civitas.cases.services import case_transition

    case_transition(actor=caseworker, case=reported, to_status="resolved", note="Lamp replaced.")
    response = client.get(f"{BASE}/requests/{reported.reference}.json")
    (row,) = response.json()
    assert row["status"] == "closed" and row["status_notes"] == "Lamp replaced."
    assert client.get(f"{BASE}/requests/SR-1999-000001.json").status_code == 404
    root = parse_xml(client.get(f"{BASE}/requests/{reported.reference}.xml").content)
    assert root.tag == "service_requests" and root.find("request").findtext("status") == "closed"


def test_extensions_add_public_notes_only(client, reported, caseworker):
    from civitas.cases.services import case_add_note, case_transition

    case_add_note(actor=caseworker, case=reported, body="Crew booked for Tuesday.", public=True)
    case_add_note(actor=caseworker, case=reported, body="INTERNAL: resident is difficult", public=False)
    case_transition(actor=caseworker, case=reported, to_status="in_progress")
    (plain,) = client.get(f"{BASE}/requests.json").json()
    assert "extended_attributes" not in plain
    response = client.get(f"{BASE}/requests.json?extensions=true")
    (row,) = response.json()
    ext = row["extended_attributes"]
    assert ext["status"] == "in_progress" and ext["internal_status"] == "in_progress"
    assert [n["description"] for n in ext["notes"]] == ["Crew booked for Tuesday.", ""]
    assert all(n["update_id"].startswith(reported.reference + "-") for n in ext["notes"])
    assert "INTERNAL" not in response.content.decode()
    root = parse_xml(client.get(f"{BASE}/requests.xml?extensions=true").content)
    notes = root.find("request").find("extended_attributes").find("notes")
    assert len(notes.findall("note")) == 2


def test_filters(client, service_type, other_service_type, app_key, caseworker, make_case):
    first = make_case()
    second = make_case(service_type=other_service_type, actor=None, channel="web", attributes={})
    from civitas.cases.services import case_transition

    case_transition(actor=caseworker, case=first, to_status="resolved")

    def refs(query):
        response = client.get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 200, response.content
        return {row["service_request_id"] for row in response.json()}

    assert refs("") == {first.reference, second.reference}
    assert refs("service_code=park-litter") == {second.reference}
    assert refs("service_code=park-litter,streetlight") == {first.reference, second.reference}
    assert refs("status=closed") == {first.reference}
    assert refs("status=open,closed") == {first.reference, second.reference}
    assert refs(f"service_request_id={first.reference}&service_code=park-litter") == {first.reference}
    old = timezone.now() - timedelta(days=200)
    Case.objects.filter(pk=second.pk).update(created_at=old, updated_at=old)
    assert refs("") == {first.reference}
    start = (old - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (old + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert refs(f"start_date={start}&end_date={end}") == {second.reference}
    assert refs(f"updated_after={start}&updated_before={end}") == {second.reference}
    assert len(client.get(f"{BASE}/requests.json?page_size=1").json()) == 1
    assert client.get(f"{BASE}/requests.json?page=2&page_size=1").json() == []


@pytest.mark.parametrize(
    "query, words",
    [
        ("start_date=yesterday", "start_date is not a W3C datetime"),
        ("end_date=2026-13-45T00:00:00Z", "end_date is not a W3C datetime"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "90 days"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "before the start"),
        ("status=pending", "status must be open or closed"),
        ("page=0", "page must be"),
        ("page_size=5000", "page_size may be at most 1000"),
        ("page=abc", "page must be"),
    ],
)
def test_bad_get_parameters_are_400(client, db, query, words):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}?{query}")
        assert response.status_code == 400
        if fmt == "json":
            assert words in response.json()[0]["description"]
        else:
            assert words in parse_xml(response.content).find("error").findtext("description")


def test_offsets_in_query_strings_are_understood(client, reported):
    start = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S") + " 00:00"
    response = client.get(f"{BASE}/requests.json", {"start_date": start.replace(" 00:00", "+00:00")})
    assert [r["service_request_id"] for r in response.json()] == [reported.reference]
    response = client.get(f"{BASE}/requests.json?start_date={start}")
    assert response.status_code == 200 and len(response.json()) == 1


def test_get_list_uses_a_fixed_number_of_queries(client, reported, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # the page's ids, their rows, their status notes and media links
        client.get(f"{BASE}/requests.json")
