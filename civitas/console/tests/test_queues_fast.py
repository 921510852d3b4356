"""The queue page's fast paths keep its behaviour: rows built in Python, option lists shared between
the filter and bulk forms and cached across requests (scoped, versioned, checked live on submit)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from civitas.accounts.models import Department, Team, User
from civitas.accounts.roles import Role
from civitas.cases.models import Case, Tag
from civitas.cases.queues import OPTIONS_VERSION_KEY, QueueRow, queue_page
from civitas.cases.tests.test_queues import make_cases
from civitas.catalog.models import ServiceType
from civitas.console.templatetags.console import queue_rows, sla_badge
from civitas.console.tests.conftest import make_staff

pytestmark = pytest.mark.django_db
QUEUE = reverse("console:queue", args=["all-open"])


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def options(html: str, name: str, form_id: str = "id_") -> dict[str, str]:
    """value -> label of the <select id="{form_id}{name}">."""
    match = re.search(rf'<select[^>]*id="{form_id}{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {form_id}{name}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1)))


def selected(html: str, name: str, form_id: str = "id_") -> list[str]:
    match = re.search(rf'<select[^>]*id="{form_id}{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match
    return re.findall(r'<option value="([^"]*)" selected>', match.group(1))


def test_filter_and_bulk_forms_offer_the_same_lists_with_their_own_empty_choice(
    client, supervisor, caseworker, team, service_type
):
    make_cases(1, service_type=service_type, team=team, assignee=caseworker)
    client.force_login(supervisor)
    html = client.get(QUEUE, {"team": team.pk, "assignee": caseworker.pk}).content.decode()
    for name in ("team", "assignee"):
        filter_options, bulk_options = options(html, name), options(html, name, "bulk-")
        assert {k: v for k, v in filter_options.items() if k} == {k: v for k, v in bulk_options.items() if k}
    assert options(html, "team")[str(team.pk)] == "Public Works / Streets"
    assert options(html, "team")[""] == "Any" and options(html, "team", "bulk-")[""] == "Keep the team"
    assert options(html, "assignee", "bulk-")[""] == "Nobody"
    # The filter form shows its chosen values; the bulk form starts empty.
    assert selected(html, "team") == [str(team.pk)] and selected(html, "assignee") == [str(caseworker.pk)]
    assert selected(html, "team", "bulk-") == [""] and selected(html, "assignee", "bulk-") == [""]
    assert selected(html, "service_type") == [""]


def test_cached_option_lists_follow_changes_to_teams_people_and_service_types(
    client, supervisor, department, team, service_type
):
    make_cases(1, service_type=service_type)
    client.force_login(supervisor)
    html = client.get(QUEUE).content.decode()
    assert "Public Works / Streets" in options(html, "team").values()

    version = cache.get(OPTIONS_VERSION_KEY)
    lights = Team.objects.create(department=department, code="lights", name="Street lights")
    team.name = "Roads"
    team.save()
    newcomer = make_staff("newcomer@example.org", Role.CASEWORKER, department, lights)
    newcomer.display_name = "Nia <Newcomer>"
    newcomer.save()
    service_type.name = "Pothole in the road"
    service_type.save()
    assert cache.get(OPTIONS_VERSION_KEY) != version

    html = client.get(QUEUE).content.decode()
    teams = options(html, "team").values()
    assert "Public Works / Street lights" in teams and "Public Works / Roads" in teams
    assert "Public Works / Streets" not in teams
    assert "Nia &lt;Newcomer&gt;" in options(html, "assignee").values()
    assert "Pothole in the road" in options(html, "service_type").values()

    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])
    assert "Nia &lt;Newcomer&gt;" not in options(client.get(QUEUE).content.decode(), "assignee").values()


def test_a_sign_in_does_not_replace_the_option_lists(client, supervisor):
    client.get(QUEUE)
    version = cache.get(OPTIONS_VERSION_KEY)
    client.force_login(supervisor)
    supervisor.last_login = timezone.now()
    supervisor.save(update_fields=["last_login"])
    assert cache.get(OPTIONS_VERSION_KEY) == version


def test_cached_option_lists_are_scoped_to_the_departments_the_user_may_see(
    client, caseworker, team, service_type, other_department
):
    """An agent who sees every department fills the cache first; a caseworker of one department
    then sees only the options of that department."""
    make_cases(1, service_type=service_type)
    other_team = Team.objects.create(department=other_department, code="parks-crew", name="Parks crew")
    make_staff("gardener@example.org", Role.CASEWORKER, other_department, other_team)
    User.objects.filter(email="gardener@example.org").update(display_name="Gardener")
    agent = make_staff("everywhere@example.org", Role.AGENT)
    client.force_login(agent)
    wide = client.get(QUEUE).content.decode()
    assert "Parks / Parks crew" in options(wide, "team").values()

    client.force_login(caseworker)
    narrow = client.get(QUEUE).content.decode()
    assert "Parks / Parks crew" not in options(narrow, "team").values()
    assert "Parks / Parks crew" not in options(narrow, "team", "bulk-").values()
    assert "gardener@example.org" not in narrow and "Gardener" not in narrow


def test_bulk_submit_is_checked_against_the_live_lists_not_the_cache(client, supervisor, service_type, department):
    (case,) = make_cases(1, service_type=service_type)
    leaver = make_staff("leaver@example.org", Role.CASEWORKER, department)
    client.force_login(supervisor)
    assert str(leaver.pk) in options(client.get(QUEUE).content.decode(), "assignee", "bulk-")
    User.objects.filter(pk=leaver.pk).update(is_active=False)  # no signal: the cached list still offers them
    response = client.post(
        reverse("console:queue-bulk", args=["all-open"]),
        {"cases": [case.reference], "action": "assign", "assignee": leaver.pk},
    )
    assert response.status_code == 302
    assert any(str(m).startswith("Person:") for m in get_messages(response.wsgi_request))
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_rows_show_translated_service_type_names_with_the_english_fallback(client, supervisor, service_type):
    make_cases(1, service_type=service_type)
    client.force_login(supervisor)
    html = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<span class="text-base-dark">Pothole</span>' in html  # no Spanish name: the English one
    service_type.name_es = "Bache"
    service_type.save()
    html = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<span class="text-base-dark">Bache</span>' in html
    assert "Bache" in options(html, "service_type").values()
    html = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="text-base-dark">Pothole</span>' in html and "Bache" not in html


def test_rows_are_plain_rows_with_tags_in_name_order(caseworker, team, service_type):
    (case,) = make_cases(1, service_type=service_type, team=team, assignee=caseworker, area="North End")
    case.tags.add(Tag.objects.create(name="zebra"), Tag.objects.create(name="alpha"))
    (row,) = queue_page(actor=caseworker, queue="all-open").cases
    assert isinstance(row, QueueRow)
    assert (row.reference, row.pk, row.team_name, row.assignee_name) == (
        case.reference,
        case.pk,
        "Streets",
        "caseworker@example.org",
    )
    assert row.tag_names == ["alpha", "zebra"]
    assert row.service_type_name == "Pothole"


def test_row_markup_matches_the_template_helpers(caseworker, team, service_type):
    """Dates as date_format writes them (in each language), the SLA badge as the sla_badge tag."""
    moments = [datetime(2026, month, 3, 9, 5, tzinfo=UTC) for month in range(1, 13)]
    now = timezone.now()
    for moment, due in zip(moments, [now - timedelta(days=2), now + timedelta(hours=3), None] * 4, strict=True):
        make_cases(1, service_type=service_type, created_at=moment, resolution_due_at=due)
    rows = queue_page(actor=caseworker, queue="all-open", size=20).cases
    for language in ("en", "es"):
        with translation.override(language):
            html = str(queue_rows(rows))
            for row in rows:
                local = timezone.localtime(row.created_at)
                assert f'<time datetime="{local.isoformat()}">{date_format(local, "j M Y H:i")}</time>' in html
                assert str(sla_badge(row)) in html


def test_rows_escape_every_value(caseworker, service_type):
    department = Department.objects.get(pk=service_type.department_id)
    team = Team.objects.create(department=department, code="x", name="<i>Crew</i>")
    person = make_staff("p@example.org", Role.CASEWORKER, department)
    person.display_name = '"Quote" & <b>'
    person.save()
    ServiceType.objects.filter(pk=service_type.pk).update(name_en="<em>Type</em>")
    (case,) = make_cases(1, service_type=service_type, team=team, assignee=person, title="x'<y>")
    case.tags.add(Tag.objects.create(name="<t>"))
    html = str(queue_rows(queue_page(actor=caseworker, queue="all-open").cases))
    for raw in ("<i>Crew", "<b>", "<em>", "<t>", "<y>"):
        assert raw not in html
    for escaped in ("&lt;i&gt;Crew&lt;/i&gt;", "&quot;Quote&quot; &amp; &lt;b&gt;", "&lt;em&gt;Type&lt;/em&gt;"):
        assert escaped in html
    assert "x&#x27;&lt;y&gt;" in html and "&lt;t&gt;" in html
