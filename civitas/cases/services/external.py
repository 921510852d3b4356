"""Writes that come from outside systems for the public (an Open311 client such as FixMyStreet), actor=None.

- `case_add_media_link`: a photo or video URL sent with a report, kept as a link (never fetched).
- `case_add_external_update`: a comment on a case posted by a third-party app on behalf of a resident
  (mySociety `servicerequestupdates`). It is a public MESSAGE_IN entry: public on the app it came from,
  never republished by Civitas (the portal and the Open311 update feed show only what staff write).
  A resident saying a *resolved* case is not fixed reopens it; a *closed* case stays closed (the comment
  is flagged `reopen_requested` for staff); a resident saying it is fixed never closes it (staff decide).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from civitas.audit.services import audit_record
from civitas.cases.models import Case, EntryKind, TimelineEntry
from civitas.cases.services._common import add_entry, lock_case, require_case, save_case
from civitas.cases.services.create import clean_text
from civitas.cases.services.lifecycle import reopen_locked
from civitas.cases.states import CaseStatus
from civitas.core import events
from civitas.core.errors import ValidationError
from civitas.people.models import Person

MAX_COMMENT = 10_000
MAX_URL = 500
MAX_EXTERNAL_ID = 100
REOPEN_NOTE = "Reopened: the resident reports that the problem is not fixed."


def _check_actor(actor: Any, case: Case) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False):
        require_case(actor, "case.note", case)


def clean_url(url: str, *, field: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL:
        raise ValidationError(f"The URL is too long (at most {MAX_URL} characters).", field=field)
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationError("Give an http or https URL.", field=field) from None
    return url


def case_add_media_link(*, actor: Any, case: Case, url: str, source: str) -> TimelineEntry:
    """Keep a media URL sent with a report as a public link on the timeline (the file is never fetched)."""
    _check_actor(actor, case)
    url = clean_url(url, field="media_url")
    if not url:
        raise ValidationError("Give the media URL.", field="media_url")
    with transaction.atomic():
        entry = add_entry(
            case,
            kind=EntryKind.MESSAGE_IN,
            actor=actor,
            body=url,
            public=True,
            data={"event": "media_url", "source": source},
        )
        audit_record(
            actor=actor, action="service:case:media_link", obj=case, context={"entry_id": entry.pk, "source": source}
        )
    return entry


def case_add_external_update(
    *,
    actor: Any,
    case: Case,
    body: str,
    source: str,
    person: Person | None = None,
    media_url: str = "",
    requested_status: str = "",
    reopen: bool = False,
    external_id: str = "",
    key_id: int | None = None,
) -> TimelineEntry:
    """A resident's comment relayed by another system; `reopen` asks to reopen a resolved case."""
    _check_actor(actor, case)
    body = clean_text(body, field="description", limit=MAX_COMMENT)
    media_url = clean_url(media_url, field="media_url")
    if not body and not media_url:
        raise ValidationError("Write a description of the update.", field="description")
    external_id = clean_text(external_id, field="update_id_ext", limit=MAX_EXTERNAL_ID)
    with transaction.atomic():
        case = lock_case(case, version=None)
        reopened = reopen and case.status == CaseStatus.RESOLVED and not case.merged_into_id
        data = {
            "event": "external_update",
            "source": source,
            "external_id": external_id,
            "key_id": key_id,
            "requested_status": requested_status,
            "media_url": media_url,
            "person_id": person.pk if person else None,
            "reopen_requested": bool(reopen and not reopened),
        }
        entry = add_entry(case, kind=EntryKind.MESSAGE_IN, actor=actor, body=body, public=True, data=data)
        if reopened:
            _reopen(actor, case, source)
        else:
            save_case(case, [])
        audit_record(
            actor=actor,
            action="service:case:external_update",
            obj=case,
            person_id=person.pk if person else None,
            context={"entry_id": entry.pk, "source": source, "reopened": reopened},
        )
        events.publish("case.message_received", case_id=case.pk, entry_id=entry.pk)
    return entry


def _reopen(actor: Any, case: Case, source: str) -> None:
    reopen_locked(actor, case, note=REOPEN_NOTE, source=source)
