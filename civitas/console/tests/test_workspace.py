"""The case workspace (issue 3 §4): what it shows, what each form does, and who may use it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civitas.accounts.models import Team
from civitas.accounts.roles import Role
from civitas.audit.models import AuditEvent
from civitas.cases.models import Attachment, Case, CaseLink, EntryKind, TimelineEntry
from civitas.cases.services import case_add_note, case_assign, case_transition
from civitas.catalog.models import AttributeDatatype, AttributeValue, ServiceAttribute, ServiceType
from civitas.console.tests.conftest import make_staff
from civitas.people.models import ContactPoint, Person

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def url(name: str, case: Case, *args) -> str:
    route = "console:case" if name == "case" else f"console:case-{name}"
    return reverse(route, args=[case.reference, *args])


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


# --- 1. header ------------------------------------------------------------------------------------


def test_header_shows_the_case_facts(signed_in, case, caseworker):
    case_assign(actor=caseworker, case=case, assignee=caseworker)
    page = signed_in.get(url("case", case)).content.decode()
    assert page.count("<h1") == 1
    for text in (
        case.reference,
        "New",
        "Normal",
        "caseworker@example.org",
        "Streets",
        "Public Works",
        "Pothole",
        "Phone",
    ):
        assert text in page
    assert "civitas-sla" in page and "left" in page  # SLA time left in words


# --- 2. timeline ----------------------------------------------------------------------------------


def test_timeline_marks_public_and_internal_in_words_and_filters(signed_in, case, caseworker):
    case_add_note(actor=caseworker, case=case, body="Crew booked for Tuesday", public=False)
    case_add_note(actor=caseworker, case=case, body="We are on it", public=True)
    page = signed_in.get(url("case", case)).content.decode()
    assert "Internal: staff only" in page and "Public: the resident can see this" in page
    public_only = signed_in.get(url("timeline", case), {"show": "public"}).content.decode()
    assert "We are on it" in public_only and "Crew booked for Tuesday" not in public_only
    internal = signed_in.get(url("timeline", case), {"show": "internal"}, HTTP_HX_REQUEST="true")
    body = internal.content.decode()
    assert "Crew booked for Tuesday" in body and "We are on it" not in body
    assert "<html" not in body  # the htmx answer is the timeline fragment only


def test_timeline_order(signed_in, case, caseworker):
    case_add_note(actor=caseworker, case=case, body="first note", public=False)
    case_add_note(actor=caseworker, case=case, body="second note", public=False)
    newest = signed_in.get(url("timeline", case)).content.decode()
    oldest = signed_in.get(url("timeline", case), {"order": "oldest"}).content.decode()
    assert newest.index("second note") < newest.index("first note")
    assert oldest.index("first note") < oldest.index("second note")


def test_timeline_has_no_n_plus_one(signed_in, case, caseworker, team, django_assert_max_num_queries):
    def grow(times: int) -> None:
        for number in range(times):
            case_add_note(actor=caseworker, case=case, body=f"note {number}", public=bool(number % 2))
            case_assign(actor=caseworker, case=case, team=team, assignee=caseworker if number % 2 else None)

    grow(2)
    with django_assert_max_num_queries(60) as few:
        signed_in.get(url("timeline", case), HTTP_HX_REQUEST="true")
    grow(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(url("timeline", case), HTTP_HX_REQUEST="true")
    assert response.content.decode().count("civitas-entry ") >= 20


# --- 3. composer ----------------------------------------------------------------------------------


def test_internal_note_is_the_default_and_is_saved_internal(signed_in, case):
    page = signed_in.get(url("case", case)).content.decode()
    assert 'value="internal" class="usa-radio__input" id="note-visibility_0" required checked' in page or (
        'id="note-visibility_0"' in page and "checked" in page
    )
    assert "Add internal note" in page and "Send public reply" in page
    response = signed_in.post(url("note", case), {"visibility": "internal", "body": "Looked at it"})
    assert response.status_code == 302
    entry = TimelineEntry.objects.get(case=case, kind=EntryKind.INTERNAL_NOTE)
    assert entry.body == "Looked at it" and not entry.is_public


def test_public_reply_needs_confirmation_then_is_queued(signed_in, case):
    response = signed_in.post(url("note", case), {"visibility": "public", "body": "Fixed tomorrow"})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert not TimelineEntry.objects.filter(case=case, kind=EntryKind.PUBLIC_UPDATE).exists()
    response = signed_in.post(
        url("note", case), {"visibility": "public", "body": "Fixed tomorrow", "confirm_public": "on"}, follow=True
    )
    assert "Queued to the resident" in response.content.decode()
    assert TimelineEntry.objects.get(case=case, kind=EntryKind.PUBLIC_UPDATE).is_public


def test_note_by_htmx_returns_the_refreshed_activity(signed_in, case):
    response = signed_in.post(url("note", case), {"visibility": "internal", "body": "via htmx"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="case-activity"' in body and "via htmx" in body and "<html" not in body
    empty = signed_in.post(url("note", case), {"visibility": "internal", "body": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400 and "usa-error-message" in empty.content.decode()


# --- 4. status ------------------------------------------------------------------------------------


def test_status_offers_only_allowed_targets_and_changes(signed_in, case):
    page = signed_in.get(url("case", case)).content.decode()
    status_form = page[page.index('id="status-status"') : page.index("</select>", page.index('id="status-status"'))]
    assert 'value="open"' in status_form and 'value="waiting"' not in status_form
    response = signed_in.post(url("status", case), {"status": "open", "note": "Checked", "version": case.version})
    assert response.status_code == 302
    assert fresh(case).status == "open"


def test_invalid_transition_is_a_form_error_naming_it(signed_in, case):
    response = signed_in.post(url("status", case), {"status": "waiting", "version": case.version})
    assert response.status_code == 400
    assert "cannot go from New to Waiting on resident" in response.content.decode()
    assert fresh(case).status == "new"


def test_reopen_needs_a_reason(signed_in, case, caseworker):
    case_transition(actor=caseworker, case=case, to_status="resolved")
    version = fresh(case).version
    response = signed_in.post(url("reopen", case), {"reason": "", "version": version})
    assert response.status_code == 400
    response = signed_in.post(url("reopen", case), {"reason": "Pothole is back", "version": version})
    assert response.status_code == 302 and fresh(case).status == "open"


# --- 5. assignment, transfer, priority, tags, details --------------------------------------------


def test_assign_to_team_and_person(signed_in, case, team, caseworker):
    response = signed_in.post(
        url("assign", case), {"team": team.pk, "assignee": caseworker.pk, "version": case.version}
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.team_id == team.pk and case.assignee_id == caseworker.pk


def test_assign_refuses_a_team_of_another_department(signed_in, case, other_department):
    foreign = Team.objects.create(department=other_department, code="mowing", name="Mowing")
    response = signed_in.post(url("assign", case), {"team": foreign.pk, "version": case.version})
    assert response.status_code == 400  # not among the choices: named on the team field
    assert fresh(case).team_id != foreign.pk


def test_transfer_to_another_department_by_service_type(client, case, department, other_department):
    agent_everywhere = make_staff("central@example.org", Role.AGENT)  # organisation-wide agent
    group = case.service_type.group
    mowing = ServiceType.objects.create(code="long-grass", name="Long grass", group=group, department=other_department)
    client.force_login(agent_everywhere)
    response = client.post(url("transfer", case), {"service_type": mowing.code, "version": case.version})
    assert response.status_code == 302
    case = fresh(case)
    assert case.department_id == other_department.pk and case.service_type_id == mowing.pk


def test_transfer_outside_own_departments_is_not_offered(signed_in, case, other_department):
    group = case.service_type.group
    ServiceType.objects.create(code="long-grass", name="Long grass", group=group, department=other_department)
    response = signed_in.post(url("transfer", case), {"service_type": "long-grass", "version": case.version})
    assert response.status_code == 400
    assert fresh(case).department_id == case.department_id


def test_priority_and_tags(signed_in, case):
    response = signed_in.post(
        url("triage", case), {"priority": "high", "tags": "Council Member, hotspot", "version": case.version}
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.priority == "high"
    assert sorted(case.tags.values_list("name", flat=True)) == ["council-member", "hotspot"]
    bad = signed_in.post(url("triage", case), {"priority": "low", "tags": "no!", "version": case.version})
    assert bad.status_code == 400 and "is not a valid tag" in bad.content.decode()
    assert fresh(case).priority == "high"  # nothing saved


def test_edit_details_with_attributes_of_each_datatype(signed_in, case, service_type):
    specs = [
        ("depth", AttributeDatatype.NUMBER),
        ("seen_at", AttributeDatatype.DATETIME),
        ("landmark", AttributeDatatype.STRING),
        ("notes", AttributeDatatype.TEXT),
        ("size", AttributeDatatype.SINGLEVALUELIST),
        ("hazards", AttributeDatatype.MULTIVALUELIST),
    ]
    for order, (code, datatype) in enumerate(specs):
        attribute = ServiceAttribute.objects.create(
            service_type=service_type, code=code, datatype=datatype, description=f"{code}?", order=order
        )
        if attribute.is_list:
            AttributeValue.objects.create(attribute=attribute, key="a", name="Option A", order=1)
            AttributeValue.objects.create(attribute=attribute, key="b", name="Option B", order=2)
    page = signed_in.get(url("case", case)).content.decode()
    assert 'type="datetime-local"' in page and 'name="attr__hazards"' in page
    data = {
        "version": case.version,
        "title": "Deep pothole",
        "description": "Now bigger",
        "address": "14 Main St",
        "lat": "42.3",
        "long": "-71.1",
        "attr__depth": "12",
        "attr__seen_at": "2026-03-31T14:30",
        "attr__landmark": "Bakery",
        "attr__notes": "Two lanes",
        "attr__size": "b",
        "attr__hazards": ["a", "b"],
    }
    response = signed_in.post(url("details", case), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = fresh(case)
    assert case.title == "Deep pothole" and case.address == "14 Main St" and case.lat == 42.3
    assert case.attributes["depth"] == 12 and case.attributes["hazards"] == ["a", "b"]
    bad = signed_in.post(url("details", case), {**data, "version": case.version, "attr__depth": "deep"})
    assert bad.status_code == 400 and "must be a number" in bad.content.decode()


# --- 6. attachments ---------------------------------------------------------------------------------


def test_upload_and_download_attachment(signed_in, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    response = signed_in.post(url("attach", case), {"file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    download = signed_in.get(url("attachment", case, attachment.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG


def test_disallowed_or_oversized_upload_is_a_form_error_and_nothing_is_stored(signed_in, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    html = SimpleUploadedFile("x.html", b"<html><script>alert(1)</script></html>", content_type="text/html")
    response = signed_in.post(url("attach", case), {"file": html})
    assert response.status_code == 400 and "allowed types are" in response.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    response = signed_in.post(url("attach", case), {"file": big})
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not list(tmp_path.rglob("*.*"))


# --- 7. links and merge ---------------------------------------------------------------------------


@pytest.fixture
def other_case(caseworker, service_type):
    from civitas.cases.services import case_create

    return case_create(
        actor=caseworker, service_type=service_type.code, channel="web", description="Crater near number 14"
    )


def test_picker_finds_by_reference_and_words(signed_in, case, other_case):
    by_ref = signed_in.get(url("picker", case), {"q": other_case.reference}, HTTP_HX_REQUEST="true")
    assert other_case.reference in by_ref.content.decode() and "<html" not in by_ref.content.decode()
    by_words = signed_in.get(url("picker", case), {"q": "crater"}).content.decode()
    assert other_case.reference in by_words and "<h1" in by_words  # plain GET: the whole page


def test_link_as_duplicate_shows_both_ways(signed_in, case, other_case):
    response = signed_in.post(url("link", case), {"other": other_case.reference, "kind": "duplicate_of", "version": 1})
    assert response.status_code == 302
    assert CaseLink.objects.filter(from_case=case, to_case=other_case, kind="duplicate_of").exists()
    assert other_case.reference in signed_in.get(url("case", case)).content.decode()
    assert case.reference in signed_in.get(url("case", other_case)).content.decode()


def test_merge_asks_for_confirmation_and_needs_a_supervisor(client, signed_in, case, other_case, supervisor):
    data = {"other": other_case.reference, "kind": "merge", "version": fresh(case).version}
    step = signed_in.post(url("link", case), data)
    assert step.status_code == 200 and "Confirm the merge" in step.content.decode()
    refused = signed_in.post(url("link", case), {**data, "confirm": "1"})
    assert refused.status_code == 403 and fresh(case).merged_into_id is None
    client.force_login(supervisor)
    done = client.post(url("link", case), {**data, "confirm": "1"})
    assert done.status_code == 302 and fresh(case).merged_into_id == other_case.pk
    page = client.get(url("case", case)).content.decode()
    assert "This case was merged into" in page and other_case.reference in page


# --- 8. map -------------------------------------------------------------------------------------


def test_location_is_text_and_the_map_uses_the_tile_setting(signed_in, case, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = signed_in.get(url("case", case)).content.decode()
    assert "12 Main St" in page and "42.35000, -71.06000" in page
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert "vendor/leaflet/leaflet.js" in page and "unpkg" not in page
    settings.MAP_TILE_URL = ""
    assert 'data-tiles=""' in signed_in.get(url("case", case)).content.decode()


# --- 9. requester panel -----------------------------------------------------------------------------


@pytest.fixture
def requester(case, caseworker, service_type):
    from civitas.cases.services import case_create, case_set_requester

    person = Person.objects.create(given_name="Ada", family_name="Lovelace")
    ContactPoint.objects.create(person=person, kind="email", value="ada.lovelace@example.org", is_primary=True)
    case_set_requester(actor=caseworker, case=case, person=person)
    earlier = case_create(actor=caseworker, service_type=service_type.code, channel="web", description="Earlier")
    case_set_requester(actor=caseworker, case=earlier, person=person)
    return person, earlier


def test_requester_panel_records_access_and_lists_other_cases(signed_in, case, requester):
    person, earlier = requester
    page = signed_in.get(url("case", case)).content.decode()
    assert "Ada" not in page  # not shown until the panel is opened
    before = AuditEvent.objects.filter(person_id=person.pk, action__endswith="person:read").count()
    panel = signed_in.get(url("requester", case), HTTP_HX_REQUEST="true").content.decode()
    assert "Ada Lovelace" in panel and "ada.lovelace@example.org" in panel and earlier.reference in panel
    assert reverse("console:person", kwargs={"pk": person.pk}) in panel
    events = AuditEvent.objects.filter(person_id=person.pk, action__endswith="person:read")
    assert events.count() == before + 1 and events.last().context["purpose"] == "case_work"


def test_requester_contacts_are_masked_without_person_view(client, case, requester, department, team):
    crew = make_staff("crew@example.org", Role.FIELD_CREW, department, team)
    client.force_login(crew)
    panel = client.get(url("requester", case)).content.decode()
    assert "Ada Lovelace" in panel and "ada.lovelace@example.org" not in panel and "a•••@example.org" in panel


# --- 10. concurrent edits -------------------------------------------------------------------------


def test_two_editors_the_second_gets_a_conflict_with_the_latest_state(case, caseworker, supervisor):
    first, second = Client(), Client()
    first.force_login(caseworker)
    second.force_login(supervisor)
    version = case.version
    ok = first.post(url("triage", case), {"priority": "urgent", "tags": "", "version": version})
    assert ok.status_code == 302
    clash = second.post(url("triage", case), {"priority": "low", "tags": "", "version": version})
    body = clash.content.decode()
    assert clash.status_code == 409
    assert "was changed by caseworker@example.org" in body and "reload" in body.lower()
    assert fresh(case).priority == "urgent"  # never silently overwritten
    assert f'name="version" value="{fresh(case).version}"' in body  # the forms carry the latest version
    htmx = second.post(url("details", case), {"version": version, "title": "x"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 409 and htmx["HX-Retarget"] == "#main-content"


# --- 11. escaping ---------------------------------------------------------------------------------


def test_html_in_user_text_is_shown_as_text(signed_in, case, caseworker, requester):
    person, _ = requester
    Person.objects.filter(pk=person.pk).update(given_name="<b>Bold</b>")
    case_add_note(actor=caseworker, case=case, body="<script>alert('note')</script>", public=False)
    Case.objects.filter(pk=case.pk).update(description="<img src=x onerror=alert(1)>", title="<i>t</i>")
    page = signed_in.get(url("case", case)).content.decode()
    assert "<script>alert('note')</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<i>t</i>" not in page
    panel = signed_in.get(url("requester", case)).content.decode()
    assert "<b>Bold</b>" not in panel and "&lt;b&gt;Bold&lt;/b&gt;" in panel


# --- permissions ------------------------------------------------------------------------------------

GET_ROUTES = ["case", "timeline", "requester", "picker"]
POST_ROUTES = ["note", "status", "reopen", "assign", "transfer", "triage", "details", "attach", "link"]


def test_caseworker_of_another_department_gets_404_everywhere(client, case, other_department, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attachment_id = 1
    stranger = make_staff("stranger@example.org", Role.CASEWORKER, other_department)
    client.force_login(stranger)
    for name in GET_ROUTES + POST_ROUTES:
        assert client.get(url(name, case)).status_code == 404, name
        assert client.post(url(name, case), {"version": case.version, "body": "x"}).status_code == 404, name
    assert client.get(url("attachment", case, attachment_id)).status_code == 404
    assert client.post(url("attachment", case, attachment_id)).status_code == 404


def test_missing_case_is_404(signed_in):
    assert signed_in.get(reverse("console:case", args=["SR-1999-999999"])).status_code == 404


def test_wrong_method_on_a_visible_case_is_405(signed_in, case):
    assert signed_in.get(url("note", case)).status_code == 405
