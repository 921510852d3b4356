"""Template filters for the case workspace timeline: status names and system actions in words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from civitas.cases.states import CaseStatus

register = template.Library()


@register.filter
def status_label(value: Any) -> str:
    try:
        return str(CaseStatus(value).label)
    except ValueError:
        return str(value or "")


@register.filter
def system_words(data: Any) -> str:
    """A system timeline entry's `data` as a sentence (autoescaped by the template)."""
    data = data or {}
    event = data.get("event")
    if event == "linked":
        kind = _("duplicate of") if data.get("kind") == "duplicate_of" else _("related to")
        return _("Linked: %(kind)s %(ref)s") % {"kind": kind, "ref": data.get("to", "")}
    if event == "merged_in":
        return _("%(ref)s was merged into this case") % {"ref": data.get("from", "")}
    if event == "attachment":
        return _("File attached")
    return str(event or _("System action"))
