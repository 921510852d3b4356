"""Console person 360°: search, the person page (access event, visible cases only), edits, consent, merge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.accounts.roles import Role
from civitas.audit.models import AuditEvent
from civitas.cases.models import EntryKind, TimelineEntry
from civitas.cases.services import case_create, case_follow
from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.console.tests.conftest import make_staff
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.services import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(agent):
    return person_create(
        actor=agent, given_name="Ana", family_name="Reyes", emails=["ana@home.example"], phones=["617-635-4500"]
    )


@pytest.fixture
def other_service_type(other_department):
    group = ServiceGroup.objects.create(code="parks", name="Parks")
    return ServiceType.objects.create(code="tree", name="Fallen tree", group=group, department=other_department)


@pytest.fixture
def parks_worker(other_department):
    return make_staff("parks@example.org", Role.CASEWORKER, other_department)


def reads(person_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="console:person:read", person_id=person_id).order_by("seq"))


# --- search -------------------------------------------------------------------------------------


def test_search_by_phone_lists_the_person_and_records_the_read(client, agent, ana):
    client.force_login(agent)
    response = client.get(reverse("console:people"), {"q": "(617) 635-4500"})
    assert response.status_code == 200
    assert reverse("console:person", args=[ana.pk]).encode() in response.content
    assert b"Ana Reyes" in response.content
    [event] = reads(ana.pk)
    assert event.actor_id == agent.pk
    assert event.context == {"purpose": "search", "what": "person:search_result"}


def test_search_by_name_prefix_and_no_partial_email(client, agent, ana):
    client.force_login(agent)
    assert b"Ana Reyes" in client.get(reverse("console:people"), {"q": "re an"}).content
    assert b"Ana Reyes" not in client.get(reverse("console:people"), {"q": "ana@home"}).content


def test_search_query_count_does_not_grow_with_results(client, agent, django_assert_max_num_queries):
    for number in range(8):
        person_create(actor=agent, given_name="Sam", family_name=f"Lee{number}", emails=[f"sam{number}@x.example"])
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("console:people"), {"q": "sam"})
    assert response.content.count(b"Sam Lee") == 8


def test_field_crew_may_not_search_people(client, department):
    crew = make_staff("crew@example.org", Role.FIELD_CREW, department)
    client.force_login(crew)
    assert client.get(reverse("console:people"), {"q": "ana"}).status_code == 403


# --- person page --------------------------------------------------------------------------------


def test_person_page_shows_details_visible_cases_and_messages(
    client, caseworker, agent, ana, service_type, other_service_type, parks_worker
):
    mine = case_create(actor=agent, service_type="pothole", channel="phone", description="Hole", requester=ana)
    foreign = case_create(actor=parks_worker, service_type="tree", channel="phone", requester=ana)
    followed = case_create(actor=agent, service_type="pothole", channel="web", description="Another")
    case_follow(actor=agent, case=followed, person=ana)
    TimelineEntry.objects.create(case=mine, kind=EntryKind.MESSAGE_IN, body="Still <b>broken</b>", is_public=True)
    TimelineEntry.objects.create(case=foreign, kind=EntryKind.MESSAGE_IN, body="Secret parks message")
    client.force_login(caseworker)
    response = client.get(reverse("console:person", args=[ana.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Ana Reyes</h1>" in html
    assert "ana@home.example" in html and "+16176354500" in html
    assert mine.reference in html and followed.reference in html
    assert foreign.reference not in html
    assert "Secret parks message" not in html
    assert "Still &lt;b&gt;broken&lt;/b&gt;" in html
    assert "civitas-sla" in html  # the SLA badge
    assert "Follower" in html and "Requester" in html
    [event] = reads(ana.pk)
    assert event.actor_id == caseworker.pk
    assert event.context == {"purpose": "case_work", "what": "person"}


def test_person_page_records_the_chosen_purpose(client, caseworker, ana):
    client.force_login(caseworker)
    client.get(reverse("console:person", args=[ana.pk]), {"purpose": "privacy_request"})
    client.get(reverse("console:person", args=[ana.pk]), {"purpose": "nosy"})
    assert [event.context["purpose"] for event in reads(ana.pk)] == ["privacy_request", "case_work"]


def test_person_page_query_count_is_fixed(client, agent, ana, service_type, django_assert_max_num_queries):
    for _n in range(6):
        case_create(actor=agent, service_type="pothole", channel="phone", requester=ana)
    client.force_login(agent)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("console:person", args=[ana.pk]))
    assert response.content.count(b"SR-") >= 6


def test_missing_person_is_404_and_field_crew_gets_404(client, agent, department, ana):
    client.force_login(agent)
    assert client.get(reverse("console:person", args=[999999])).status_code == 404
    crew = make_staff("crew@example.org", Role.FIELD_CREW, department)
    client.force_login(crew)
    assert client.get(reverse("console:person", args=[ana.pk])).status_code in (403, 404)
    assert reads(ana.pk) == []


def test_html_in_names_is_escaped(client, agent):
    person = person_create(actor=agent, given_name="<script>alert(1)</script>", family_name="X")
    client.force_login(agent)
    html = client.get(reverse("console:person", args=[person.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- edits --------------------------------------------------------------------------------------


def test_edit_details(client, agent, ana):
    client.force_login(agent)
    data = {"given_name": "Anita", "family_name": "Reyes", "preferred_language": "es", "preferred_channel": "sms"}
    response = client.post(reverse("console:person-edit", args=[ana.pk]), data)
    assert response.status_code == 302
    ana.refresh_from_db()
    assert (ana.given_name, ana.preferred_language, ana.preferred_channel) == ("Anita", "es", "sms")
    assert AuditEvent.objects.filter(action="service:person:update", person_id=ana.pk).exists()


def test_edit_with_bad_choice_names_the_field(client, agent, ana):
    client.force_login(agent)
    data = {"given_name": "Ana", "family_name": "Reyes", "preferred_language": "xx", "preferred_channel": "sms"}
    response = client.post(reverse("console:person-edit", args=[ana.pk]), data)
    assert response.status_code == 400
    assert 'id="person-language-error"' in response.content.decode()


def test_add_a_bad_phone_shows_a_form_error_and_keeps_the_value(client, agent, ana):
    client.force_login(agent)
    response = client.post(reverse("console:person-contact", args=[ana.pk]), {"kind": "phone", "value": "12ab"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="contact-value-error"' in html
    assert "valid phone number" in html
    assert 'value="12ab"' in html
    assert ContactPoint.objects.filter(person=ana).count() == 2


def test_add_set_primary_and_remove_a_contact(client, agent, ana):
    client.force_login(agent)
    url = reverse("console:person-contact", args=[ana.pk])
    assert client.post(url, {"kind": "email", "value": "Ana@Work.example"}).status_code == 302
    point = ContactPoint.objects.get(person=ana, value="ana@work.example")
    assert not point.is_primary
    client.post(url, {"op": "primary", "point": point.pk})
    point.refresh_from_db()
    assert point.is_primary
    client.post(url, {"op": "remove", "point": point.pk})
    assert not ContactPoint.objects.filter(pk=point.pk).exists()


def test_contact_of_another_person_is_not_found(client, agent, ana):
    bob = person_create(actor=agent, given_name="Bob", emails=["bob@example.org"])
    client.force_login(agent)
    point = bob.contact_points.get()
    response = client.post(reverse("console:person-contact", args=[ana.pk]), {"op": "remove", "point": point.pk})
    assert response.status_code == 404
    assert ContactPoint.objects.filter(pk=point.pk).exists()


def test_record_consent_shows_current_and_history(client, agent, ana):
    client.force_login(agent)
    url = reverse("console:person-consent", args=[ana.pk])
    client.post(url, {"purpose": "sms_messages", "given": "yes", "method": "phone"})
    client.post(url, {"purpose": "sms_messages", "given": "no", "method": "email", "note": "Asked to stop"})
    assert Consent.objects.filter(person=ana).count() == 2
    html = client.get(reverse("console:person", args=[ana.pk])).content.decode()
    assert "Withdrawn" in html and "Given" in html and "Asked to stop" in html


def test_consent_without_an_answer_is_a_form_error(client, agent, ana):
    client.force_login(agent)
    response = client.post(
        reverse("console:person-consent", args=[ana.pk]), {"purpose": "sms_messages", "method": "phone"}
    )
    assert response.status_code == 400
    assert 'id="consent-given-error"' in response.content.decode()
    assert not Consent.objects.exists()


# --- merge --------------------------------------------------------------------------------------


def test_merge_flow(client, supervisor, agent, ana, service_type):
    dup = person_create(actor=agent, given_name="Ana", family_name="Reyes", phones=["617-635-4599"])
    case = case_create(actor=agent, service_type="pothole", channel="phone", requester=dup)
    client.force_login(supervisor)
    url = reverse("console:person-merge", args=[ana.pk])
    picked = client.get(url, {"q": "617 635 4599"}).content.decode()
    assert f"?other={dup.pk}" in picked
    confirm = client.get(url, {"other": dup.pk}).content.decode()
    assert "Which record do you keep?" in confirm and "+16176354599" in confirm and "+16176354500" in confirm
    response = client.post(url, {"other": dup.pk, "survivor": "this"})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:person", args=[ana.pk])
    dup.refresh_from_db()
    case.refresh_from_db()
    assert dup.merged_into_id == ana.pk and case.requester_id == ana.pk
    assert AuditEvent.objects.filter(action="service:person:merge").exists()
    banner = client.get(reverse("console:person", args=[dup.pk])).content.decode()
    assert "Open the record in use" in banner
    assert reverse("console:person", args=[ana.pk]) in banner


def test_merge_keeping_the_other_record(client, supervisor, agent, ana):
    dup = person_create(actor=agent, given_name="Ana", phones=["617-635-4599"])
    client.force_login(supervisor)
    client.post(reverse("console:person-merge", args=[ana.pk]), {"other": dup.pk, "survivor": "other"})
    ana.refresh_from_db()
    assert ana.merged_into_id == dup.pk


def test_merge_of_a_merged_record_is_a_message_not_a_500(client, supervisor, agent, ana):
    dup = person_create(actor=agent, given_name="Ana", phones=["617-635-4599"])
    client.force_login(supervisor)
    url = reverse("console:person-merge", args=[ana.pk])
    client.post(url, {"other": dup.pk, "survivor": "this"})
    response = client.post(url, {"other": dup.pk, "survivor": "this"})
    assert response.status_code == 400
    assert b"already been merged" in response.content


def test_caseworker_may_not_merge(client, caseworker, agent, ana):
    dup = person_create(actor=agent, given_name="Ana")
    client.force_login(caseworker)
    response = client.post(reverse("console:person-merge", args=[ana.pk]), {"other": dup.pk, "survivor": "this"})
    assert response.status_code == 403
    assert Person.objects.get(pk=dup.pk).is_active
