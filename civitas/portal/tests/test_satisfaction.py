"""Portal: the satisfaction page (was it fixed, rating 1-5, comment), one answer per case, editable for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civitas.cases.models import SatisfactionResponse
from civitas.cases.services import case_transition
from civitas.cases.services.create import case_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_type(department):
    from civitas.catalog.models import ServiceGroup, ServiceType

    group = ServiceGroup.objects.create(code="streets", name="Streets")
    return ServiceType.objects.create(code="pothole", name="Pothole", group=group, department=department)


@pytest.fixture
def supervisor(make_staff, department):
    return make_staff("supervisor", department)


@pytest.fixture
def case(service_type):
    return case_create(actor=None, service_type=service_type, channel="web", address="12 Main St")


@pytest.fixture
def resolved(case, supervisor):
    return case_transition(actor=supervisor, case=case, to_status="resolved")


def url(case) -> str:
    return reverse("portal:satisfaction", kwargs={"token": case.tracking_token})


def test_form_renders_for_a_resolved_case(client, resolved):
    response = client.get(url(resolved))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Was it fixed?" in html
    for words in ("1 – Very poor", "3 – OK", "5 – Very good"):
        assert words in html
    assert 'name="comment"' in html


def test_an_answer_is_saved_and_shown_with_the_edit_deadline(client, resolved):
    response = client.post(url(resolved), {"fixed": "yes", "rating": "4", "comment": "Thanks <b>team</b>"})
    assert response.status_code == 302
    saved = SatisfactionResponse.objects.get(case=resolved)
    assert (saved.fixed, saved.rating, saved.comment) == (True, 4, "Thanks <b>team</b>")

    html = client.get(url(resolved)).content.decode()
    assert "Thank you. We have saved your answer." in html
    assert "Your answer" in html
    assert "You can change your answer until" in html
    assert "Thanks &lt;b&gt;team&lt;/b&gt;" in html  # escaped
    assert "<b>team</b>" not in html
    assert 'value="4" checked' in html
    assert "Change my answer" in html


def test_changing_the_answer_updates_it(client, resolved):
    client.post(url(resolved), {"fixed": "no", "rating": "1"})
    client.post(url(resolved), {"fixed": "yes", "rating": "5"})
    saved = SatisfactionResponse.objects.get(case=resolved)
    assert (saved.fixed, saved.rating) == (True, 5)


@pytest.mark.parametrize("rating", ["9", "0", "abc", "2.5"])
def test_a_bad_rating_is_named_at_the_field_and_values_are_kept(client, resolved, rating):
    response = client.post(url(resolved), {"fixed": "yes", "rating": rating, "comment": "Kept text"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="rating-error"' in html
    assert "Choose a rating from 1 to 5." in html
    assert 'href="#rating"' in html
    assert "Kept text" in html
    assert 'id="fixed" type="radio" name="fixed" value="yes" checked' in html
    assert not SatisfactionResponse.objects.exists()


def test_a_bad_fixed_value_and_an_empty_form_are_named(client, resolved):
    bad = client.post(url(resolved), {"fixed": "maybe"}).content.decode()
    assert "Choose yes or no." in bad
    empty = client.post(url(resolved), {}).content.decode()
    assert "Answer at least one question before you send." in empty
    assert 'href="#fixed"' in empty


def test_too_long_comment(client, resolved):
    response = client.post(url(resolved), {"comment": "x" * 2001})
    assert response.status_code == 400
    assert "Your comment is too long (2001 characters)" in response.content.decode()


def test_an_open_case_has_no_form(client, case):
    response = client.get(url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This request is not done yet" in html
    assert 'name="rating"' not in html
    assert client.post(url(case), {"fixed": "yes"}).status_code == 400
    assert not SatisfactionResponse.objects.exists()


def test_after_the_edit_window_the_answer_is_shown_but_not_changeable(client, resolved):
    client.post(url(resolved), {"fixed": "yes", "rating": "3"})
    SatisfactionResponse.objects.update(created_at=timezone.now() - timedelta(days=30))
    html = client.get(url(resolved)).content.decode()
    assert "This answer can no longer be changed." in html
    assert 'name="rating"' not in html
    assert client.post(url(resolved), {"fixed": "no"}).status_code == 400
    assert SatisfactionResponse.objects.get().fixed is True


def test_unknown_token_is_a_plain_404(client):
    response = client.get(reverse("portal:satisfaction", kwargs={"token": "nope"}))
    assert response.status_code == 404
    assert "We cannot find that request" in response.content.decode()


def test_tracking_page_of_a_done_case_links_to_the_survey(client, resolved):
    html = client.get(reverse("portal:track-case", kwargs={"token": resolved.tracking_token})).content.decode()
    assert url(resolved) in html
    assert "Done" in html
