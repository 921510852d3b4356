"""Template helpers for the console: SLA time left in words (colour is never the only cue)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from html import escape as _escape  # the standard library's: plain str in, no lazy-string checks
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
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


SLA_PREFIX = {"overdue": "!", "due_soon": "◷", "paused": "‖"}


def _sla_badge_html(case: Any, now: datetime | None = None) -> str:
    state = sla_state(case, now)
    title = state.due_at.isoformat() if state.due_at else ""
    prefix = SLA_PREFIX.get(state.kind, "")
    marker = f'<span aria-hidden="true">{_escape(prefix)} </span>' if prefix else ""
    return f'<span class="{TAG_CLASS[state.kind]}" title="{_escape(title)}">{marker}{_escape(sla_words(state))}</span>'


@register.simple_tag
def sla_badge(case: Any) -> SafeString:
    """A tag with an icon-like prefix and words: 'Overdue by 2 days', 'Due in 5 hours', '3 days left'."""
    return mark_safe(_sla_badge_html(case))  # noqa: S308 - every value escaped above


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


# --- queue rows ---------------------------------------------------------------------------------
# A queue page shows 50 rows of nine cells; through the template engine they cost more than the
# rest of the page. `queue_rows` builds the same markup in Python, escaping every value.

ROW = (
    "<tr>"
    '<td data-label="{l_select}">'
    '<input type="hidden" name="page_cases" value="{ref}">'
    '<input type="checkbox" id="select-{ref}" name="cases" value="{ref}" class="civitas-check" data-row-check>'
    '<label for="select-{ref}" class="usa-sr-only">{l_select} {ref}</label>'
    "</td>"
    '<th scope="row" data-label="{l_reference}"><a class="usa-link" href="{href}">{ref}</a></th>'
    '<td data-label="{l_request}">{title}<span class="text-base-dark">{service}</span> {tags}</td>'
    '<td data-label="{l_status}">{status}</td>'
    '<td data-label="{l_priority}">{priority}</td>'
    '<td data-label="{l_assigned}">{assignee}{team}</td>'
    '<td data-label="{l_area}">{area}</td>'
    '<td data-label="{l_created}">{created}</td>'
    '<td data-label="{l_left}">{sla}</td>'
    "</tr>\n"
)


def _row_labels() -> dict[str, str]:
    labels = {
        "l_select": _("Select"),
        "l_reference": _("Reference"),
        "l_request": _("Request"),
        "l_status": _("Status"),
        "l_priority": _("Priority"),
        "l_assigned": _("Assigned to"),
        "l_area": _("Area"),
        "l_created": _("Created"),
        "l_left": _("Time left"),
    }
    return {key: _escape(str(text)) for key, text in labels.items()}


def _time_html(moment: datetime | None, months: dict[int, str]) -> str:
    """time_tag's markup; the date as date_format(local, "j M Y H:i") writes it, built directly
    (`months`: the month abbreviations of the current language, filled as they are met)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    month = months.get(local.month)
    if month is None:
        month = months[local.month] = str(MONTHS_3[local.month]).title()
    text = f"{local.day} {month} {local.year:04d} {local.hour:02d}:{local.minute:02d}"
    return f'<time datetime="{_escape(local.isoformat())}">{_escape(text)}</time>'


@register.simple_tag
def queue_rows(cases: Any) -> SafeString:
    """The <tr> rows of a queue table: reference link, request, status, priority, assignee and team,
    area, created time, SLA badge; every value escaped. `cases` are civitas.cases.queues.QueueRow."""
    labels = _row_labels()
    nobody = f'<span class="text-base-dark">{_escape(str(_("Nobody")))}</span>'
    language = get_language() or ""
    statuses, priorities = _labels(CaseStatus, language), _labels(Priority, language)
    prefix = _case_href_prefix()
    now = timezone.now()
    months: dict[int, str] = {}
    rows = []
    for case in cases:
        ref = _escape(case.reference)
        title = f"{_escape(case.title)}<br>" if case.title else ""
        tags = "".join(f'<span class="usa-tag civitas-queue-tag">{_escape(name)}</span>' for name in case.tag_names)
        assignee = _escape(case.assignee_name) if case.assignee_id else nobody
        team = f'<br><span class="text-base-dark">{_escape(case.team_name)}</span>' if case.team_id else ""
        rows.append(
            ROW.format(
                **labels,
                ref=ref,
                href=_escape(f"{prefix}{case.reference}/"),
                title=title,
                service=_escape(case.service_type_name),
                tags=tags,
                status=_escape(statuses.get(case.status, str(case.status))),
                priority=_escape(priorities.get(case.priority, str(case.priority))),
                assignee=assignee,
                team=team,
                area=_escape(case.area) if case.area else "–",
                created=_time_html(case.created_at, months),
                sla=_sla_badge_html(case, now),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
