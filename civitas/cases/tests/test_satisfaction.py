"""satisfaction_record (one answer per case, editable for a while, audited) and satisfaction_summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from civitas.audit.models import AuditEvent
from civitas.cases.models import SatisfactionResponse
from civitas.cases.satisfaction import satisfaction_summary
from civitas.cases.services import case_transition
from civitas.cases.services.satisfaction import MAX_COMMENT, clean_rating, satisfaction_record
from civitas.core.errors import ValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(make_case, caseworker):
    def make(**overrides):
        case = make_case(**overrides)
        return case_transition(actor=caseworker, case=case, to_status="resolved")

    return make


def test_first_answer_is_saved_audited_and_published(resolved, monkeypatch):
    from civitas.cases.services import satisfaction as module

    published = []
    monkeypatch.setattr(module.events, "publish", lambda event, **payload: published.append((event, payload)))
    case = resolved()
    response = satisfaction_record(case=case, fixed=True, rating="4", comment="  Quick work, thanks.  ")

    assert (response.fixed, response.rating, response.comment) == (True, 4, "Quick work, thanks.")
    event = AuditEvent.objects.get(action="service:case:satisfaction_recorded")
    assert event.object_id == str(case.pk)
    assert event.changes["rating"] == {"before": None, "after": 4}
    assert "Quick work" not in str(event.changes)  # resident text never enters the audit chain
    assert published[-1] == ("case.satisfaction_recorded", {"case_id": case.pk})


def test_a_second_answer_updates_the_same_row(resolved):
    case = resolved()
    first = satisfaction_record(case=case, fixed=False, rating=2)
    second = satisfaction_record(case=case, fixed=True, rating=5, comment="Fixed now")
    assert first.pk == second.pk
    assert SatisfactionResponse.objects.filter(case=case).count() == 1
    second.refresh_from_db()
    assert (second.fixed, second.rating) == (True, 5)
    assert second.created_at == first.created_at


@override_settings(SATISFACTION_EDIT_DAYS=14)
def test_after_the_edit_window_changes_are_refused(resolved):
    case = resolved()
    response = satisfaction_record(case=case, fixed=True, rating=3)
    SatisfactionResponse.objects.filter(pk=response.pk).update(created_at=timezone.now() - timedelta(days=15))
    with pytest.raises(ValidationError) as exc:
        satisfaction_record(case=case, fixed=False, rating=1)
    assert "14 days" in exc.value.message
    response.refresh_from_db()
    assert response.rating == 3


@pytest.mark.parametrize("status", ["new", "in_progress"])
def test_open_cases_cannot_be_rated(make_case, caseworker, status):
    case = make_case()
    if status != "new":
        case = case_transition(actor=caseworker, case=case, to_status=status)
    with pytest.raises(ValidationError) as exc:
        satisfaction_record(case=case, fixed=True, rating=5)
    assert "not done yet" in exc.value.message
    assert not SatisfactionResponse.objects.exists()


def test_closed_cases_can_be_rated(resolved, caseworker):
    case = case_transition(actor=caseworker, case=resolved(), to_status="closed")
    assert satisfaction_record(case=case, fixed=None, rating=None, comment="ok").pk


@pytest.mark.parametrize("value", [0, 6, "abc", "3.5", True, -1])
def test_bad_ratings_are_refused_at_the_field(value):
    with pytest.raises(ValidationError) as exc:
        clean_rating(value)
    assert exc.value.field == "rating"


@pytest.mark.parametrize("value, expected", [(None, None), ("", None), ("1", 1), (5, 5), (" 3 ", 3)])
def test_good_ratings(value, expected):
    assert clean_rating(value) == expected


def test_long_comments_are_refused(resolved):
    with pytest.raises(ValidationError) as exc:
        satisfaction_record(case=resolved(), fixed=True, rating=None, comment="x" * (MAX_COMMENT + 1))
    assert exc.value.field == "comment"


def test_fixed_must_be_a_bool_or_none(resolved):
    with pytest.raises(ValidationError) as exc:
        satisfaction_record(case=resolved(), fixed="yes", rating=None)  # type: ignore[arg-type]
    assert exc.value.field == "fixed"


# --- summary -----------------------------------------------------------------------------------


def test_summary_is_scoped_to_the_supervisors_departments(
    resolved, supervisor, make_staff, other_department, other_service_type
):
    from civitas.cases.services import case_create

    satisfaction_record(case=resolved(), fixed=True, rating=5)
    satisfaction_record(case=resolved(), fixed=False, rating=2)
    satisfaction_record(case=resolved(), fixed=None, rating=None, comment="meh")
    other_admin = make_staff("system_admin")
    other = case_create(actor=other_admin, service_type=other_service_type, channel="phone")
    other = case_transition(actor=other_admin, case=other, to_status="resolved")
    satisfaction_record(case=other, fixed=False, rating=1)

    summary = satisfaction_summary(actor=supervisor)

    assert summary["responses"] == 3
    assert summary["fixed_share"] == 0.5
    assert summary["mean_rating"] == 3.5
    assert [row["name"] for row in summary["service_types"]] == ["Street light out"]
    everyone = satisfaction_summary(actor=other_admin)
    assert everyone["responses"] == 4
    assert len(everyone["service_types"]) == 2


def test_summary_since_and_empty(resolved, supervisor, caseworker):
    response = satisfaction_record(case=resolved(), fixed=True, rating=5)
    SatisfactionResponse.objects.filter(pk=response.pk).update(created_at=timezone.now() - timedelta(days=40))
    recent = satisfaction_summary(actor=supervisor, since=timezone.now() - timedelta(days=30))
    assert recent["responses"] == 0
    assert recent["fixed_share"] is None and recent["mean_rating"] is None
    assert satisfaction_summary(actor=caseworker)["responses"] == 0  # caseworkers do not manage the department
