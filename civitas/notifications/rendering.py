"""Rendering a notification into an email, in the notification's language, at send time.

Templates: `notifications/<kind>.subject.txt`, `<kind>.txt` and `<kind>.html`. The context holds the case
reference, the service name (translated catalogue field), a plain status, the right link for the recipient
(the private tracking page for the requester, the public request page for a follower), the public update
text if any, and for a resolution the satisfaction survey link (requester only).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civitas.cases.models import Case
from civitas.cases.states import CaseStatus
from civitas.notifications.models import Notification, NotificationKind
from civitas.people.residents import sign_in_link_issue_token

# One sentence per status, for residents (the status label alone is staff vocabulary).
STATUS_EXPLANATIONS = {
    CaseStatus.NEW: _("We have the request and will look at it soon."),
    CaseStatus.OPEN: _("The request is with the team that handles it."),
    CaseStatus.IN_PROGRESS: _("Someone is working on it."),
    CaseStatus.WAITING: _("We need more information before we can go on. We will contact the person who asked."),
    CaseStatus.RESOLVED: _("We have finished the work."),
    CaseStatus.CLOSED: _("The request is closed. No more work is planned."),
}


STATUS_KINDS = frozenset({NotificationKind.STATUS_CHANGED, NotificationKind.RESOLVED})


def absolute_url(path: str) -> str:
    return f"{str(settings.SITE_URL).rstrip('/')}{path}"


def build_email(notification: Notification, *, to: str) -> EmailMultiAlternatives:
    """The email for `notification` (subject, plain text and HTML), rendered in its language."""
    with translation.override(notification.language):
        context = _context(notification)
        base = f"notifications/{notification.kind}"
        subject = " ".join(render_to_string(f"{base}.subject.txt", context).split())
        text = _tidy(render_to_string(f"{base}.txt", context))
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": notification.language},
    )
    message.attach_alternative(html, "text/html")
    return message


def _tidy(text: str) -> str:
    """Template tags leave blank lines behind: at most one empty line between paragraphs."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.strip().splitlines())) + "\n"


def _context(notification: Notification) -> dict[str, Any]:
    context: dict[str, Any] = {"kind": notification.kind, "language": notification.language}
    if notification.kind == NotificationKind.SIGN_IN_LINK:
        context.update(_sign_in_context(notification))
    elif notification.case is not None:
        context.update(_case_context(notification, notification.case))
    return context


def _case_context(notification: Notification, case: Case) -> dict[str, Any]:
    is_requester = notification.person_id is not None and notification.person_id == case.requester_id
    entry = notification.entry
    update_text = entry.body if entry is not None and entry.is_public and entry.body else ""
    status = CaseStatus(_status_told(notification, case))
    return {
        "reference": case.reference,
        "service_name": case.service_type.name,
        "status": status.value,
        "status_label": status.label,
        "status_explanation": STATUS_EXPLANATIONS.get(status, ""),
        "created_at": case.created_at,
        "is_requester": is_requester,
        "link": _case_link(case, is_requester=is_requester),
        "update_text": update_text,
        "survey_link": _survey_link(notification, case) if is_requester else "",
    }


def _status_told(notification: Notification, case: Case) -> str:
    """A status notice names the status it announces (the case may have moved on before it is sent)."""
    entry = notification.entry
    if notification.kind in STATUS_KINDS and entry is not None and entry.data.get("to") in CaseStatus.values:
        return str(entry.data["to"])
    return case.status


def _case_link(case: Case, *, is_requester: bool) -> str:
    if is_requester:
        return absolute_url(reverse("portal:track-case", kwargs={"token": case.tracking_token}))
    if case.service_type.is_private:
        return ""  # private requests have no public page
    return absolute_url(reverse("portal:request", kwargs={"reference": case.reference}))


def _survey_link(notification: Notification, case: Case) -> str:
    if notification.kind != NotificationKind.RESOLVED:
        return ""
    return absolute_url(reverse("portal:satisfaction", kwargs={"token": case.tracking_token}))


def _sign_in_context(notification: Notification) -> dict[str, Any]:
    link = notification.sign_in_link
    assert link is not None
    token = sign_in_link_issue_token(link=link)
    return {
        "link": absolute_url(reverse("portal:sign-in-link", kwargs={"token": token})),
        "minutes": settings.PORTAL_SIGN_IN_LINK_MINUTES,
        "expires_at": link.expires_at,
    }
