"""Console search page: references jump to the case, words find cases (highlighted, scoped), people too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.accounts.roles import Role
from civitas.cases.services import case_add_note, case_create
from civitas.catalog.models import ServiceGroup, ServiceType
from civitas.console.tests.conftest import make_staff
from civitas.people.services import person_create
from civitas.search.tests.conftest import run_outbox

pytestmark = pytest.mark.django_db
URL = reverse("console:search")


@pytest.fixture
def foreign_case(other_department):
    group = ServiceGroup.objects.create(code="parks", name="Parks")
    ServiceType.objects.create(
        code="tree", name="Tree", group=group, department=other_department, resolution_target_hours=72
    )
    boss = make_staff("parks-boss@example.org", Role.SUPERVISOR, other_department)
    return case_create(actor=boss, service_type="tree", channel="phone", description="Deep pothole by the oak")


def test_empty_search_shows_help(client, caseworker):
    client.force_login(caseworker)
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Type a case reference" in response.content
    assert response.content.count(b"<h1") == 1


def test_reference_goes_straight_to_the_case(client, caseworker, case):
    client.force_login(caseworker)
    response = client.get(URL, {"q": f"  {case.reference.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:case", args=[case.reference])


def test_foreign_reference_is_not_revealed(client, caseworker, foreign_case):
    client.force_login(caseworker)
    run_outbox()
    response = client.get(URL, {"q": foreign_case.reference})
    assert response.status_code == 200  # no redirect: to this user the case does not exist
    assert reverse("console:case", args=[foreign_case.reference]) not in response.content.decode()


def test_words_find_cases_with_highlight_sla_and_link(
    client, caseworker, case, foreign_case, django_assert_max_num_queries
):
    run_outbox()
    client.force_login(caseworker)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"q": "pothole"})
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("console:case", args=[case.reference]) in html
    assert "<mark>" in html and "Pothole" in html  # service type name
    assert "civitas-sla" in html  # the SLA badge
    assert foreign_case.reference not in html  # another department's case is not listed


def test_notes_and_html_are_escaped(client, caseworker, case):
    case_add_note(actor=caseworker, case=case, body="<script>alert(1)</script> tarmac cracked", public=False)
    run_outbox()
    client.force_login(caseworker)
    html = client.get(URL, {"q": "tarmac"}).content.decode()
    assert "<mark>tarmac</mark>" in html
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize("query", ['"pothole', "NEAR(pothole", "pothole*", "***", "'; DROP TABLE x; --", "<b>"])
def test_engine_syntax_is_never_a_500(client, caseworker, case, query):
    run_outbox()
    client.force_login(caseworker)
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    if query == "<b>":
        assert b"&lt;b&gt;" in response.content and b"<b>" not in response.content


def test_query_without_words_says_so(client, caseworker):
    client.force_login(caseworker)
    response = client.get(URL, {"q": "***"})
    assert b"at least one word" in response.content


def test_more_results_pages_and_htmx_returns_the_fragment(client, caseworker, service_type):
    for i in range(23):
        case_create(actor=caseworker, service_type="pothole", channel="phone", description=f"Crater number {i}")
    run_outbox()
    client.force_login(caseworker)
    first = client.get(URL, {"q": "crater"}).content.decode()
    assert first.count('class="usa-collection__item"') == 20
    assert "offset=20" in first
    more = client.get(URL, {"q": "crater", "offset": "20"}, HTTP_HX_REQUEST="true").content.decode()
    assert more.count('class="usa-collection__item"') == 3
    assert "<h1" not in more and 'id="search-more"' in more
    plain = client.get(URL, {"q": "crater", "offset": "20"})  # without JavaScript: a whole page
    assert b"<h1" in plain.content
    assert client.get(URL, {"q": "crater", "offset": "abc"}).status_code == 200


def test_people_and_their_cases(client, agent, case):
    person = person_create(actor=agent, given_name="Ana", family_name="Quintero", emails=["ana@example.org"])
    case.requester = person
    case.save(update_fields=["requester"])
    client.force_login(agent)
    html = client.get(URL, {"q": "ana@example.org"}).content.decode()
    assert "Quintero" in html
    assert case.reference in html  # the person's case
