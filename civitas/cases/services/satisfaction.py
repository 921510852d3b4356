"""satisfaction_record: the resident's answer after a case is done (was it fixed, a 1-5 rating, a comment).

One answer per case; the resident may change it for settings.SATISFACTION_EDIT_DAYS after first giving
it. The comment is resident text: the audit trail records that it changed, never what it says.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civitas.audit.services import audit_record
from civitas.cases.models import Case, SatisfactionResponse
from civitas.cases.services.create import clean_text
from civitas.cases.states import CLOSED_STATUSES
from civitas.core import events
from civitas.core.errors import ValidationError

MAX_COMMENT = 2000
RATINGS = range(1, 6)


def satisfaction_edit_until(response: SatisfactionResponse) -> datetime:
    """The last moment the resident may change an answer."""
    return response.created_at + timedelta(days=settings.SATISFACTION_EDIT_DAYS)


def satisfaction_record(
    *,
    case: Case,
    fixed: bool | None,
    rating: Any,
    comment: str = "",
    actor: Any = None,
) -> SatisfactionResponse:
    """Record (or change, within the edit window) the answer for a resolved or closed case."""
    if case.status not in CLOSED_STATUSES:
        raise ValidationError(
            _("You can tell us what you think once the request is done. It is not done yet."), field="fixed"
        )
    if fixed is not None and not isinstance(fixed, bool):
        raise ValidationError(_("Choose yes or no."), field="fixed")
    rating = clean_rating(rating)
    comment = _clean_comment(comment)
    with transaction.atomic():
        existing = SatisfactionResponse.objects.select_for_update().filter(case_id=case.pk).first()
        now = timezone.now()
        if existing is not None and now > satisfaction_edit_until(existing):
            raise ValidationError(
                _("This answer can no longer be changed: answers can be changed for %(days)s days.")
                % {"days": settings.SATISFACTION_EDIT_DAYS},
                field="fixed",
                code="edit_closed",
            )
        response, before = _save(case, existing, fixed=fixed, rating=rating, comment=comment, now=now)
        audit_record(
            actor=actor,
            action="service:case:satisfaction_recorded",
            obj=case,
            changes=_changes(before, response),
            context={"satisfaction_id": response.pk, "first_answer": existing is None},
        )
        events.publish("case.satisfaction_recorded", case_id=case.pk)
    return response


def clean_rating(value: Any) -> int | None:
    """A rating 1-5 from a form or an API, or None when not given; ValidationError(field="rating") otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Choose a rating from 1 to 5."), field="rating")
    try:
        rating = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a rating from 1 to 5."), field="rating") from None
    if rating not in RATINGS:
        raise ValidationError(_("Choose a rating from 1 to 5."), field="rating")
    return rating


def _clean_comment(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationError(
            _("Your comment is too long (%(count)s characters). Keep it to %(max)s characters.")
            % {"count": len(text), "max": MAX_COMMENT},
            field="comment",
        )
    return clean_text(text, field="comment", limit=MAX_COMMENT)


def _save(
    case: Case,
    existing: SatisfactionResponse | None,
    *,
    fixed: bool | None,
    rating: int | None,
    comment: str,
    now: datetime,
) -> tuple[SatisfactionResponse, dict[str, Any]]:
    if existing is None:
        response = SatisfactionResponse.objects.create(
            case=case, fixed=fixed, rating=rating, comment=comment, created_at=now, updated_at=now
        )
        return response, {"fixed": None, "rating": None, "comment": ""}
    before = {"fixed": existing.fixed, "rating": existing.rating, "comment": existing.comment}
    existing.fixed, existing.rating, existing.comment, existing.updated_at = fixed, rating, comment, now
    existing.save(update_fields=["fixed", "rating", "comment", "updated_at"])
    return existing, before


def _changes(before: dict[str, Any], response: SatisfactionResponse) -> dict[str, dict[str, Any]]:
    changes: dict[str, dict[str, Any]] = {}
    for name in ("fixed", "rating"):
        if before[name] != getattr(response, name):
            changes[name] = {"before": before[name], "after": getattr(response, name)}
    if before["comment"] != response.comment:
        changes["comment"] = {"before": "<redacted>", "after": "<changed>"}
    return changes
