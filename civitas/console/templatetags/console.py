"""Template helpers for the console: SLA time left in words (colour is never the only cue)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from civitas.cases.sla import sla_state
from civitas.cases.states import CaseStatus
from civitas.core.choices import Priority

register = template.Library()

TAG_CLASS = {
    "overdue": "civitas-sla civitas-sla--overdue",
    "due_soon": "civitas-sla civitas-sla--soon",
    "on_track": "civitas-sla civitas-sla--ok",
    "paused": "civitas-sla civitas-sla--paused",
    "met": "civitas-sla civitas-sla--ok",
    "none": "civitas-sla civitas-sla--none",
}


def duration_words(delta: timedelta) -> str:
    """'3 days', '5 hours', '12 minutes' — the largest unit only, rounded down."""
    seconds = abs(int(delta.total_seconds()))
    days, hours, minutes = seconds // 86400, seconds // 3600, seconds // 60
    if days >= 2:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if hours >= 1:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", max(minutes, 1)) % {"n": max(minutes, 1)}


def sla_words(state: Any) -> str:
    if state.kind == "overdue":
        return _("Overdue by %(time)s") % {"time": duration_words(state.remaining)}
    if state.kind == "due_soon":
        return _("Due in %(time)s") % {"time": duration_words(state.remaining)}
    if state.kind == "on_track":
        return _("%(time)s left") % {"time": duration_words(state.remaining)}
    if state.kind == "paused":
        return _("Paused: waiting on the resident")
    if state.kind == "met":
        return _("Resolved on time")
    return _("No target")


@register.simple_tag
def sla_badge(case: Any) -> str:
    """A tag with an icon-like prefix and words: 'Overdue by 2 days', 'Due in 5 hours', '3 days left'."""
    state = sla_state(case)
    title = state.due_at.isoformat() if state.due_at else ""
    prefix = {"overdue": "!", "due_soon": "◷", "paused": "‖"}.get(state.kind, "")
    return format_html(
        '<span class="{}" title="{}">{}{}</span>',
        TAG_CLASS[state.kind],
        title,
        format_html('<span aria-hidden="true">{} </span>', prefix) if prefix else "",
        sla_words(state),
    )


@functools.cache
def _case_href_prefix() -> str:
    return reverse("console:case", args=["REF"]).removesuffix("REF/")


@register.filter
def case_href(reference: str) -> str:
    """The workspace URL of a case, without a full URL reversal per row of a long list."""
    return f"{_case_href_prefix()}{reference}/"


@functools.cache
def _labels(choices: Any, language: str) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


@register.filter
def status_word(value: str) -> str:
    return _labels(CaseStatus, get_language() or "")[value] if value in CaseStatus.values else str(value)


@register.filter
def priority_word(value: str) -> str:
    return _labels(Priority, get_language() or "")[value] if value in Priority.values else str(value)


@register.filter
def time_tag(moment: datetime | None) -> str:
    """<time datetime="ISO">23 Nov 2026 14:05</time> in the current time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), date_format(local, "j M Y H:i"))
