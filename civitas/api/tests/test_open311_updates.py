"""mySociety servicerequestupdates: the public update feed (GET) and residents' comments from apps (POST)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from civitas.audit.models import AuditEvent
from civitas.cases.models import EntryKind, TimelineEntry
from civitas.catalog.models import ServiceType

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def parse_xml(content: bytes) -> ET.Element:
    """Our own server's answer (trusted test data)."""
    return ET.fromstring(content)  # noqa: S314


@pytest.fixture
def case(make_case):
    return make_case()


def test_get_updates_lists_public_staff_updates_with_extended_status(client, case, caseworker):
    from civitas.cases.services import case_add_note, case_transition

    case_add_note(actor=caseworker, case=case, body="We are on it.", public=True)
    case_add_note(actor=caseworker, case=case, body="INTERNAL only", public=False)
    case_transition(actor=caseworker, case=case, to_status="in_progress")
    case_transition(actor=caseworker, case=case, to_status="resolved", note="Fixed the lamp.")
    response = client.get(f"{BASE}/servicerequestupdates.json")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["status"], r["description"]) for r in rows] == [
        ("open", "We are on it."),
        ("in_progress", ""),
        ("fixed", "Fixed the lamp."),
    ]
    assert list(rows[0]) == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    ]
    assert all(r["service_request_id"] == case.reference for r in rows)
    assert len({r["update_id"] for r in rows}) == 3
    entry_ids = {str(pk) for pk in TimelineEntry.objects.values_list("pk", flat=True)}
    assert not any(r["update_id"].rsplit("-", 1)[1] in entry_ids for r in rows)
    assert "INTERNAL" not in response.content.decode()
    root = parse_xml(client.get(f"{BASE}/servicerequestupdates.xml").content)
    assert root.tag == "service_request_updates"
    assert [u.findtext("status") for u in root.findall("request_update")] == ["open", "in_progress", "fixed"]
    # stable ids: asking again gives the same ones
    assert [r["update_id"] for r in client.get(f"{BASE}/servicerequestupdates.json").json()] == [
        r["update_id"] for r in rows
    ]


def test_get_updates_window_and_private_types(client, case, caseworker, service_type):
    from civitas.cases.services import case_add_note

    case_add_note(actor=caseworker, case=case, body="Public note", public=True)
    assert len(client.get(f"{BASE}/servicerequestupdates.json?start_date=2000-01-01T00:00:00Z").json()) == 0
    response = client.get(
        f"{BASE}/servicerequestupdates.json?start_date=2000-01-01T00:00:00Z&end_date=2001-01-01T00:00:00Z"
    )
    assert response.status_code == 400 and "90 days" in response.json()[0]["description"]
    assert client.get(f"{BASE}/servicerequestupdates.json?end_date=garbage").status_code == 400
    ServiceType.objects.filter(pk=service_type.pk).update(is_private=True)
    assert client.get(f"{BASE}/servicerequestupdates.json").json() == []


def post_update(client, key, case, fmt="json", **fields):
    form = {
        "api_key": key,
        "service_request_id": case.reference,
        "status": "OPEN",
        "updated_datetime": "2026-11-23T14:02:00-05:00",
        "description": "Still broken, it flickers.",
        "email": "fms.user@residents.example",
        "first_name": "Sam",
        "last_name": "Okafor",
        "update_id_ext": "fms-991",
    }
    form.update(fields)
    return client.post(f"{BASE}/servicerequestupdates.{fmt}", form)


def test_post_update_adds_a_public_comment_and_is_idempotent(client, case, app_key):
    response = post_update(client, app_key, case)
    assert response.status_code == 200, response.content
    (row,) = response.json()
    assert row["update_id"].startswith(case.reference + "-")
    entry = TimelineEntry.objects.get(case=case, kind=EntryKind.MESSAGE_IN)
    assert entry.is_public and entry.body == "Still broken, it flickers." and entry.author is None
    assert entry.data["requested_status"] == "open" and entry.data["external_id"] == "fms-991"
    audit = AuditEvent.objects.filter(action="service:case:external_update").get()
    assert audit.actor_id is None and audit.person_id == entry.data["person_id"]
    assert audit.context["via"].startswith("api_key:")
    again = post_update(client, app_key, case)
    assert again.json() == [row]
    assert TimelineEntry.objects.filter(case=case, kind=EntryKind.MESSAGE_IN).count() == 1
    # the resident's comment is not republished in the public feed
    assert client.get(f"{BASE}/servicerequestupdates.json").json() == []


def test_post_update_xml(client, case, app_key):
    root = parse_xml(post_update(client, app_key, case, fmt="xml").content)
    assert root.tag == "service_request_updates"
    assert root.find("request_update").findtext("update_id").startswith(case.reference)


def test_open_on_a_resolved_case_reopens_it(client, case, caseworker, app_key):
    from civitas.cases.services import case_transition

    case_transition(actor=caseworker, case=case, to_status="resolved")
    assert post_update(client, app_key, case).status_code == 200
    case.refresh_from_db()
    assert case.status == "open" and case.resolved_at is None
    reopen = TimelineEntry.objects.filter(case=case, kind=EntryKind.STATUS_CHANGE).latest("id")
    assert reopen.data["reopened"] and reopen.is_public
    assert AuditEvent.objects.filter(action="service:case:reopen", actor_id=None).exists()
    feed = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert feed[-1]["status"] == "open"


def test_open_on_a_closed_case_is_recorded_for_staff_not_reopened(client, case, caseworker, app_key):
    from civitas.cases.services import case_transition

    case_transition(actor=caseworker, case=case, to_status="closed")
    assert post_update(client, app_key, case).status_code == 200
    case.refresh_from_db()
    assert case.status == "closed"
    entry = TimelineEntry.objects.get(case=case, kind=EntryKind.MESSAGE_IN)
    assert entry.data["reopen_requested"] is True


def test_fixed_from_a_resident_does_not_close(client, case, app_key):
    assert post_update(client, app_key, case, status="FIXED").status_code == 200
    case.refresh_from_db()
    assert case.status == "new"


@pytest.mark.parametrize(
    "fields, status",
    [
        ({"status": "MAYBE"}, 400),
        ({"status": ""}, 400),
        ({"service_request_id": "SR-1999-000001"}, 404),
        ({"service_request_id": ""}, 400),
        ({"description": "", "media_url": ""}, 400),
        ({"description": "z" * 10_001}, 400),
        ({"updated_datetime": "last tuesday"}, 400),
        ({"media_url": "ftp://x"}, 400),
        ({"api_key": "cvt_nope"}, 403),
    ],
)
def test_bad_update_posts(client, case, app_key, fields, status):
    response = post_update(client, app_key, case, **fields)
    assert response.status_code == status, response.content
    assert response.json()[0]["code"] == status
    assert not TimelineEntry.objects.filter(kind=EntryKind.MESSAGE_IN).exists()
