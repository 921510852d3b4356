"""Console call-centre intake: caller look-up, service-type search, questions, creating the case (channel phone)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.cases.models import Case
from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType
from civitas.people.models import ContactPoint, Person
from civitas.people.services import person_create

pytestmark = pytest.mark.django_db

URL = "/console/new/"


@pytest.fixture
def questions(service_type):
    """One attribute of each Open311 datatype on the pothole service."""

    def attribute(code, datatype, description, order, required=False):
        return ServiceAttribute.objects.create(
            service_type=service_type,
            code=code,
            datatype=datatype,
            description=description,
            order=order,
            required=required,
        )

    attribute("landmark", "string", "Nearest landmark", 1)
    attribute("depth_cm", "number", "How deep is it (cm)?", 2, required=True)
    attribute("seen_at", "datetime", "When did you see it?", 3)
    attribute("details", "text", "Anything else?", 4)
    size = attribute("size", "singlevaluelist", "How big is it?", 5, required=True)
    lanes = attribute("lanes", "multivaluelist", "Which lanes?", 6)
    for order, (key, name) in enumerate([("small", "Small"), ("large", "Large")]):
        AttributeValue.objects.create(attribute=size, key=key, name=name, order=order)
    for order, (key, name) in enumerate([("left", "Left lane"), ("right", "Right lane"), ("bike", "Bike lane")]):
        AttributeValue.objects.create(attribute=lanes, key=key, name=name, order=order)
    return service_type


@pytest.fixture
def ana(agent):
    return person_create(actor=agent, given_name="Ana", family_name="Reyes", phones=["617-635-4500"])


def post(client, **fields):
    data = {
        "action": "create",
        "caller": "anonymous",
        "service_type": "pothole",
        "description": "Big hole",
        "address": "1 Main St",
        "attribute[depth_cm]": "12",
        "attribute[size]": "large",
        **fields,
    }
    return client.post(URL, data)


def test_page_has_the_stable_labels(client, agent):
    client.force_login(agent)
    html = client.get(reverse("console:intake")).content.decode()
    for label in ("Caller's phone, email or name", "What is the problem?", "Description", "Address", "Create case"):
        assert label in html
    assert html.count("<h1>") == 1


def test_happy_path_with_existing_caller_and_all_datatypes(client, agent, ana, questions):
    client.force_login(agent)
    response = post(
        client,
        caller=str(ana.pk),
        priority="high",
        lat="42.35",
        long="-71.06",
        **{
            "attribute[landmark]": "Library",
            "attribute[seen_at]": "2026-03-01T09:30",
            "attribute[details]": "Two lines\nof text",
            "attribute[lanes]": ["left", "bike"],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("console:case", args=[case.reference])
    assert (case.channel, case.requester_id, case.priority) == ("phone", ana.pk, "high")
    assert case.attributes["depth_cm"] == 12
    assert case.attributes["size"] == "large"
    assert case.attributes["lanes"] == ["left", "bike"]
    assert case.attributes["landmark"] == "Library"
    assert case.attributes["seen_at"].startswith("2026-03-01")
    assert (case.lat, case.long, case.address) == (42.35, -71.06, "1 Main St")
    page = client.get(response["Location"])
    assert case.reference in page.content.decode()  # the success message on the case page


def test_new_caller_is_created_with_the_case(client, agent, questions):
    client.force_login(agent)
    response = post(
        client,
        caller="new",
        given_name="Bo",
        family_name="Chen",
        phone="617 635 4511",
        email="bo@example.org",
        preferred_language="es",
        preferred_channel="sms",
    )
    assert response.status_code == 302
    person = Person.objects.get(given_name="Bo")
    assert (person.preferred_language, person.preferred_channel) == ("es", "sms")
    assert set(person.contact_points.values_list("value", flat=True)) == {"+16176354511", "bo@example.org"}
    assert Case.objects.get().requester_id == person.pk


def test_anonymous_intake(client, agent, questions):
    client.force_login(agent)
    assert post(client).status_code == 302
    case = Case.objects.get()
    assert case.requester_id is None and case.channel == "phone"


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"service_type": "no-such-thing"}, "service-results", "Unknown service type"),
        ({"service_type": ""}, "service-results", "Choose the service type"),
        ({"attribute[size]": ""}, "attr-size", "How big is it is required"),
        ({"attribute[depth_cm]": "twelve"}, "attr-depth_cm", "must be a number"),
        ({"caller": "new", "given_name": "Bo", "phone": "12ab"}, "new-phone", "valid phone number"),
        ({"lat": "north", "long": "-71"}, "lat", "must be numbers"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_created(client, agent, questions, fields, field_id, message):
    client.force_login(agent)
    response = post(client, description="Keep <this> text", **fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'href="#{field_id}"' in html  # the error summary links to the control
    assert message in html
    assert "Keep &lt;this&gt; text" in html  # what was typed is still there (escaped)
    assert not Case.objects.exists()
    assert not Person.objects.filter(given_name="Bo").exists()


def test_missing_required_attribute_error_sits_on_the_field(client, agent, questions):
    client.force_login(agent)
    html = post(client, **{"attribute[depth_cm]": "abc"}).content.decode()
    assert 'id="attr-depth_cm-error"' in html
    assert 'value="abc"' in html


def test_phone_taken_by_someone_else_names_the_field(client, agent, ana, questions):
    client.force_login(agent)
    response = post(client, caller="new", given_name="Bo", phone="617-635-4500")
    assert response.status_code == 400
    assert "already belongs to another person" in response.content.decode()
    assert ContactPoint.objects.filter(value="+16176354500").get().person_id == ana.pk
    assert not Case.objects.exists()


def test_html_in_description_is_escaped_on_error(client, agent, questions):
    client.force_login(agent)
    html = post(client, service_type="", description="<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the look-ups (plain post and htmx fragments) ---------------------------------------------------


def test_plain_post_look_up_keeps_everything_typed(client, agent, ana, questions):
    client.force_login(agent)
    data = {"action": "find_caller", "caller_query": "617-635-4500", "service_query": "hole in road"}
    data |= {"description": "Typed before", "service_type": "pothole"}
    response = client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="caller-{ana.pk}"' in html
    assert 'id="service-pothole"' in html and "checked" in html
    assert 'id="attr-depth_cm"' in html  # the questions of the chosen service
    assert "Typed before" in html
    assert not Case.objects.exists()


def test_caller_fragment_lists_matches_and_announces_the_count(client, agent, ana):
    client.force_login(agent)
    response = client.get(reverse("console:intake-callers"), {"caller_query": "ana re"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert f'value="{ana.pk}"' in html and "Ana Reyes" in html
    assert 'hx-swap-oob="innerHTML:#caller-status"' in html and "1 person matches." in html
    assert "<html" not in html


def test_service_fragment_matches_keywords(client, agent, service_type):
    client.force_login(agent)
    response = client.get(reverse("console:intake-service-types"), {"service_query": "road"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'value="pothole"' in html and "1 service type matches." in html


def test_service_search_leaves_out_departments_the_agent_cannot_create_in(client, agent, other_department):
    group = ServiceGroup.objects.create(code="parks", name="Parks")
    ServiceType.objects.create(code="tree", name="Fallen tree", group=group, department=other_department)
    client.force_login(agent)
    response = client.get(reverse("console:intake-service-types"), {"service_query": "tree"}, HTTP_HX_REQUEST="true")
    assert 'value="tree"' not in response.content.decode()


def test_questions_fragment_renders_all_datatypes(client, agent, questions):
    client.force_login(agent)
    response = client.get(reverse("console:intake-attributes"), {"service_type": "pothole"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'name="attribute[landmark]"' in html
    assert 'name="attribute[depth_cm]"' in html and 'inputmode="decimal"' in html
    assert 'type="datetime-local"' in html
    assert "<textarea" in html
    assert 'type="radio" id="attr-size-1"' in html
    assert 'type="checkbox" id="attr-lanes-3"' in html


def test_caller_lookup_query_count_is_fixed(client, agent, django_assert_max_num_queries):
    for number in range(6):
        person_create(actor=agent, given_name="Sam", family_name=f"Lee{number}")
    client.force_login(agent)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("console:intake-callers"), {"caller_query": "sam"}, HTTP_HX_REQUEST="true")
    assert response.content.count(b"Sam Lee") == 6


def test_caseworker_without_case_create_cannot_open_intake(client, department):
    from civitas.accounts.roles import Role
    from civitas.console.tests.conftest import make_staff

    crew = make_staff("crew@example.org", Role.FIELD_CREW, department)
    client.force_login(crew)
    assert client.get(URL).status_code == 403
