"""Call-centre intake: a case and, for a first-time caller, their person record — together or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from civitas.cases.models import Case
from civitas.cases.services.create import case_create
from civitas.core.choices import Language
from civitas.core.errors import ValidationError
from civitas.people.models import Person, PreferredChannel
from civitas.people.services import person_create

CALLER_FIELDS = ("given_name", "family_name", "phone", "email", "preferred_language", "preferred_channel")


def case_create_with_caller(
    *, actor: Any, new_caller: Mapping[str, str] | None = None, requester: Person | None = None, **case: Any
) -> Case:
    """Open a case (`case_create` arguments); with `new_caller`, first record who called.

    The person and the case are written in one transaction: a case that fails validation leaves no
    stray person behind.
    """
    with transaction.atomic():
        if new_caller is not None:
            requester = _create_caller(actor, new_caller)
        return case_create(actor=actor, requester=requester, **case)


def _create_caller(actor: Any, details: Mapping[str, str]) -> Person:
    values = {name: (details.get(name) or "").strip() for name in CALLER_FIELDS}
    if not any(values[name] for name in ("given_name", "family_name", "phone", "email")):
        raise ValidationError(
            _("Give the new caller's name, phone or email, or choose 'Anonymous caller'."), field="given_name"
        )
    return person_create(
        actor=actor,
        given_name=values["given_name"],
        family_name=values["family_name"],
        phones=[values["phone"]] if values["phone"] else [],
        emails=[values["email"]] if values["email"] else [],
        preferred_language=values["preferred_language"] or Language.ENGLISH,
        preferred_channel=values["preferred_channel"] or PreferredChannel.PHONE,
    )
