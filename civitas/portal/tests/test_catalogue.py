"""Portal: home lists, find a service (search in the active language), groups to browse."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(department):
    from civitas.catalog.models import ServiceGroup, ServiceType

    streets = ServiceGroup.objects.create(code="streets", name="Streets", name_es="Calles", order=1)
    trash = ServiceGroup.objects.create(code="trash", name="Trash", name_es="Basura", order=2)
    empty = ServiceGroup.objects.create(code="empty", name="Nothing here", order=3)

    def make(code, name, group, **extra):
        return ServiceType.objects.create(code=code, name=name, group=group, department=department, **extra)

    pothole = make("pothole", "Pothole", streets, name_es="Bache", keywords="hole, crater", keywords_es="socavón")
    light = make("streetlight", "Street light out", streets, name_es="Farola apagada", keywords="lamp, dark")
    dumping = make("dumping", "Illegal dumping", trash, name_es="Vertido ilegal", keywords="fly-tipping")
    dumping.extra_groups.add(streets)
    make("welfare", "Welfare check", streets, is_private=True, keywords="hole")
    make("retired", "Old pothole form", streets, is_active=False)
    return {"streets": streets, "trash": trash, "empty": empty, "pothole": pothole, "light": light, "dumping": dumping}


def report_url(code: str) -> str | None:
    try:
        return reverse("portal:report", kwargs={"code": code})
    except NoReverseMatch:  # the report page is another area's; until it exists names are plain text
        return None


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_search_finds_services_by_name_and_keyword_and_links_to_the_report_page(client, catalogue):
    html = client.get("/services/", {"q": "crater"}).content.decode()

    assert "Services matching “crater”" in html
    assert "Pothole" in html
    assert "Street light out" not in html.split("Browse by topic")[0]
    if report_url("pothole"):
        assert report_url("pothole") in links(html.split("Browse by topic")[0])


def test_search_in_spanish_uses_spanish_names_and_synonyms(client, catalogue):
    html = client.get("/services/", {"q": "socavón"}, headers={"accept-language": "es"}).content.decode()

    results = html.split('id="groups-heading"')[0]
    assert "Bache" in results
    assert "Pothole" not in results
    assert "Calles" in html  # the groups in Spanish


def test_no_results_gives_plain_help_and_the_groups(client, catalogue):
    html = client.get("/services/", {"q": "zzzz unicorn"}).content.decode()

    assert "We could not find a service for those words" in html
    assert 'href="/services/streets/"' in html
    assert 'value="zzzz unicorn"' in html  # the words are kept in the box


def test_private_and_inactive_types_are_never_listed(client, catalogue):
    for url in ("/", "/services/", "/services/?q=hole", "/services/?q=welfare", "/services/streets/"):
        html = client.get(url).content.decode()
        assert "Welfare check" not in html, url
        assert "Old pothole form" not in html, url


def test_services_page_lists_every_group_with_its_services(client, catalogue):
    html = client.get("/services/").content.decode()

    assert html.count("<h1") == 1
    streets = html.split("/services/streets/")[1].split("/services/trash/")[0]
    assert "Pothole" in streets and "Street light out" in streets
    assert "Illegal dumping" in streets  # also listed under Streets (extra group)
    assert "Nothing here" not in html  # an empty group is not offered


def test_group_page_lists_its_services_and_other_groups(client, catalogue):
    response = client.get("/services/trash/")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<h1[^>]*>Trash</h1>", html)
    assert "Illegal dumping" in html
    assert 'href="/services/streets/"' in html


@pytest.mark.parametrize("code", ["empty", "nope", "welfare"])
def test_unknown_or_empty_groups_are_not_found(client, catalogue, code):
    assert client.get(f"/services/{code}/").status_code == 404


def test_search_text_is_escaped_and_trimmed(client, catalogue):
    html = client.get("/services/", {"q": "<script>alert(1)</script>" + "x" * 500}).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_home_offers_search_most_requested_groups_and_tracking(client, catalogue, department):
    from civitas.cases.models import CaseDailyStat

    today = timezone.localdate()
    CaseDailyStat.objects.create(day=today, service_type=catalogue["light"], department=department, opened=9)
    CaseDailyStat.objects.create(
        day=today - timedelta(days=3), service_type=catalogue["pothole"], department=department, opened=4
    )

    html = client.get("/").content.decode()

    assert re.search(r"<h1[^>]*>What do you need help with\?</h1>", html)
    assert 'action="/services/"' in html and 'name="q"' in html
    popular = html.split('id="popular-heading"')[1].split('id="groups-heading"')[0]
    assert popular.index("Street light out") < popular.index("Pothole")
    assert 'href="/services/streets/"' in html and 'href="/services/trash/"' in html
    assert 'href="/requests/"' in html


def test_home_in_spanish_shows_the_catalogue_in_spanish(client, catalogue, department):
    from civitas.cases.models import CaseDailyStat

    CaseDailyStat.objects.create(
        day=timezone.localdate(), service_type=catalogue["pothole"], department=department, opened=2
    )

    html = client.get("/", headers={"accept-language": "es"}).content.decode()

    assert "Bache" in html and "Calles" in html and "Basura" in html


def test_home_is_cached_a_warm_page_reads_only_the_catalogue_version(client, catalogue):
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(queries) <= 1, [query["sql"] for query in queries]


def test_a_catalogue_change_shows_at_once(client, catalogue):
    from civitas.catalog.models import ServiceGroup

    client.get("/")
    group = ServiceGroup.objects.get(code="trash")
    group.name = "Rubbish and recycling"
    group.save()
    # the catalogue version is bumped by the admin and the catalogue services; bump it as they do
    from civitas.catalog.definitions import bump_catalog_version

    bump_catalog_version()

    assert "Rubbish and recycling" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("socavon", "es", "pothole"),  # no accent typed, the synonym has one
        ("SOCAVÓN", "es", "pothole"),  # capitals with an accent (SQLite's LIKE folds ASCII only)
        ("farola", "es", "streetlight"),
        ("FAROLA APAGADA", "es", "streetlight"),
        ("vertido", "es", "dumping"),
        ("lamp", "es", "streetlight"),  # the default language is searched too
    ],
)
def test_search_ignores_case_and_accents(catalogue, query, language, expected):
    from civitas.catalog.selectors import service_type_search

    assert [st.code for st in service_type_search(query, language=language)][:1] == [expected]


def test_search_reads_few_queries(catalogue, django_assert_max_num_queries):
    from civitas.catalog.selectors import service_type_search

    with django_assert_max_num_queries(2):
        found = service_type_search("hole light dumping", language="es")
        assert all(st.has_metadata in (True, False) for st in found)
