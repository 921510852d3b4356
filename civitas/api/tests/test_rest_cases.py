"""REST API v1: case operations through a key (list, pages, filters, get, create, update, transition,
assign, notes, attachments)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civitas.api.tests.rest_client import Api, assert_problem
from civitas.audit.models import AuditEvent
from civitas.cases.models import Case, EntryKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(issue_key, caseworker, service_type):
    return Api(issue_key(kind="personal", owner=caseworker, can_write=True))


def test_list_pages_by_cursor_without_repeats(api, make_case):
    made = [make_case() for _ in range(5)]
    seen = []
    response = api.get("/cases", {"limit": 2})
    pages = 0
    while True:
        assert response.status_code == 200
        body = response.json()
        seen += [item["reference"] for item in body["items"]]
        pages += 1
        if body["next"] is None:
            break
        assert "cursor=" in body["next"] and "limit=2" in body["next"]
        response = api.get("/cases", {"limit": 2, "cursor": body["cursor"]})
    assert pages == 3
    assert seen == [case.reference for case in reversed(made)]


def test_list_filters(api, make_case, caseworker):
    old = make_case()
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    new = make_case()
    since = (timezone.now() - timedelta(days=1)).isoformat()
    refs = [item["reference"] for item in api.get("/cases", {"created_after": since}).json()["items"]]
    assert refs == [new.reference]
    assert api.get("/cases", {"status": "closed"}).json()["items"] == []
    refs = [item["reference"] for item in api.get("/cases", {"service_code": "streetlight"}).json()["items"]]
    assert set(refs) == {old.reference, new.reference}
    assert api.get("/cases", {"department": "parks"}).json()["items"] == []


def test_a_bad_cursor_is_a_400_problem(api):
    assert_problem(api.get("/cases", {"cursor": "not-a-cursor!"}), 400)
    assert_problem(api.get("/cases", {"limit": 0}), 422)


def test_get_by_reference(api, make_case):
    case = make_case()
    response = api.get(f"/cases/{case.reference}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == case.reference
    assert body["service_code"] == "streetlight"
    assert body["version"] == case.version
    assert_problem(api.get("/cases/SR-1999-999999"), 404)


def test_create_uses_the_api_channel_and_is_audited(api, caseworker):
    payload = {"service_code": "streetlight", "description": "Dark corner", "attributes": {"pole": "P-7"}}
    response = api.post("/cases", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert case.channel == "api"
    assert case.attributes == {"pole": "P-7"}
    event = AuditEvent.objects.filter(action="service:case:create", object_id=str(case.pk)).get()
    assert event.actor_id == caseworker.pk
    assert event.data["context"]["via"].startswith("api_key:")


def test_create_with_invalid_values_lists_the_field(api):
    response = api.post("/cases", {"service_code": "streetlight", "attributes": {}})
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"]
    body = assert_problem(api.post("/cases", {"service_code": "nope"}), 422)
    assert body["errors"][0]["field"] == "service_type"
    body = assert_problem(api.post("/cases", {"description": "no code"}), 422)
    assert body["errors"][0]["field"] == "service_code"


def test_update_with_a_stale_version_is_409(api, make_case):
    case = make_case()
    response = api.patch(f"/cases/{case.reference}", {"version": case.version, "title": "Pole 7"})
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Pole 7"
    assert response.json()["version"] == case.version + 1
    body = assert_problem(api.patch(f"/cases/{case.reference}", {"version": case.version, "title": "x"}), 409)
    assert body["current_version"] == case.version + 1
    case.refresh_from_db()
    assert case.title == "Pole 7"


def test_transition_and_refused_transition(api, make_case):
    case = make_case()
    response = api.post(f"/cases/{case.reference}/transition", {"status": "in_progress"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert_problem(api.post(f"/cases/{case.reference}/transition", {"status": "new"}), 409)
    assert_problem(api.post(f"/cases/{case.reference}/transition", {"status": "bogus"}), 422)


def test_assign_to_a_person_of_the_department(api, make_case, caseworker, team):
    case = make_case()
    response = api.post(f"/cases/{case.reference}/assign", {"team_id": team.pk, "assignee_id": caseworker.pk})
    assert response.status_code == 200, response.content
    assert response.json()["assignee_id"] == caseworker.pk
    assert_problem(api.post(f"/cases/{case.reference}/assign", {"assignee_id": 987654}), 422)
    assert_problem(api.post(f"/cases/{case.reference}/assign", {}), 422)


def test_notes_public_and_internal(api, make_case):
    case = make_case()
    assert api.post(f"/cases/{case.reference}/notes", {"body": "On our way", "public": True}).status_code == 201
    assert api.post(f"/cases/{case.reference}/notes", {"body": "Needs a ladder"}).status_code == 201
    notes = api.get(f"/cases/{case.reference}/notes").json()
    assert [(note["body"], note["kind"]) for note in notes] == [
        ("On our way", EntryKind.PUBLIC_UPDATE),
        ("Needs a ladder", EntryKind.INTERNAL_NOTE),
    ]
    assert_problem(api.post(f"/cases/{case.reference}/notes", {"body": "  "}), 422)


def test_attachment_upload_list_download(api, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    case = make_case()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("photo.png", png, content_type="image/png")
    response = api.client.post(
        f"/api/v1/cases/{case.reference}/attachments", {"file": upload, "public": "false"}, headers=api.headers()
    )
    assert response.status_code == 201, response.content
    listed = api.get(f"/cases/{case.reference}/attachments").json()
    assert [item["name"] for item in listed] == ["photo.png"]
    download = api.client.get(listed[0]["download"], headers=api.headers())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 60)
    response = api.client.post(f"/api/v1/cases/{case.reference}/attachments", {"file": bad}, headers=api.headers())
    assert_problem(response, 422)


def test_a_read_only_key_may_read_but_not_write(issue_key, caseworker, make_case):
    case = make_case()
    api = Api(issue_key(kind="personal", owner=caseworker, can_write=False))
    assert api.get(f"/cases/{case.reference}").status_code == 200
    assert_problem(api.post(f"/cases/{case.reference}/notes", {"body": "hi"}), 403)
    assert_problem(api.post("/cases", {"service_code": "streetlight", "attributes": {"pole": "1"}}), 403)


def test_list_is_scoped_to_the_key_departments(issue_key, make_staff, other_department, make_case):
    make_case()
    outsider = make_staff("caseworker", other_department)
    api = Api(issue_key(kind="personal", owner=outsider))
    assert api.get("/cases").json()["items"] == []


def test_list_queries_do_not_grow_with_the_page(api, make_case, django_assert_max_num_queries):
    for _ in range(3):
        make_case()
    with django_assert_max_num_queries(12):
        assert len(api.get("/cases", {"limit": 3}).json()["items"]) == 3
