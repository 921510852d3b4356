"""Console: people search, the person 360° page (details, contacts, consent, cases, messages) and merge.

Every read of a person goes through `person_get`/`persons_search`, which record an access event;
every write goes through a people service. Domain errors come back as form errors on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civitas.accounts.permissions import has_perm
from civitas.cases.person_cases import PERSON_CASES_LIMIT, cases_for_person, person_messages
from civitas.console.views._base import render_page, staff_view
from civitas.core.choices import Language
from civitas.core.errors import NotFound, ValidationError
from civitas.people.models import ConsentMethod, ConsentPurpose, ContactKind, Person, PreferredChannel
from civitas.people.selectors import (
    DEFAULT_READ_PURPOSE,
    READ_PURPOSES,
    consent_history,
    current_consents,
    person_get,
    persons_search,
)
from civitas.people.services import (
    consent_record,
    contact_point_add,
    contact_point_remove,
    contact_point_set_primary,
    person_merge,
    person_update,
)

DETAIL_FIELDS = ("given_name", "family_name", "preferred_language", "preferred_channel")
MERGE_PURPOSE = "data_quality"


# --- search -------------------------------------------------------------------------------------


@staff_view("person.view")
def people(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = persons_search(actor=request.user, query=query, purpose="search") if query else []
    context = {"active": "people", "query": query, "results": results}
    return render_page(request, "console/people/people.html", context, partial="console/people/_results.html")


# --- person 360° --------------------------------------------------------------------------------


def read_purpose(request: HttpRequest) -> str:
    purpose = request.GET.get("purpose", "")
    return purpose if purpose in READ_PURPOSES else DEFAULT_READ_PURPOSE


@staff_view("person.view")
def person(request: HttpRequest, pk: int) -> HttpResponse:
    return render_person(request, pk, purpose=read_purpose(request))


def render_person(
    request: HttpRequest,
    pk: int,
    *,
    purpose: str,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
) -> HttpResponse:
    """The person page; after a refused edit, with the errors and what was typed."""
    found = person_get(actor=request.user, person_id=pk, purpose=purpose)
    context = person_context(request, found, purpose=purpose)
    context["errors"] = errors or {}
    context["posted"] = posted or {}
    return render_page(request, "console/people/person.html", context, status=400 if errors else 200)


def person_context(request: HttpRequest, found: Person, *, purpose: str) -> dict[str, Any]:
    cases = list(cases_for_person(actor=request.user, person_id=found.pk)[:PERSON_CASES_LIMIT])
    return {
        "active": "people",
        "person": found,
        "purpose": purpose,
        "purposes": READ_PURPOSES.items(),
        "contact_points": list(found.contact_points.all()),
        "current_consents": sorted(current_consents(person=found).values(), key=lambda c: c.purpose),
        "consent_history": consent_history(person=found),
        "cases": cases,
        "messages_list": person_messages(actor=request.user, person_id=found.pk),
        "languages": Language.choices,
        "channels": PreferredChannel.choices,
        "contact_kinds": ContactKind.choices,
        "consent_purposes": ConsentPurpose.choices,
        "consent_methods": ConsentMethod.choices,
        "can_merge": has_perm(request.user, "person.merge"),
    }


@staff_view("person.update")
@require_POST
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    posted = {name: request.POST.get(name, "") for name in DETAIL_FIELDS}
    try:
        found = person_get(actor=request.user, person_id=pk, purpose=DEFAULT_READ_PURPOSE)
        person_update(actor=request.user, person=found, **posted)
    except ValidationError as error:
        return refused(request, pk, error, posted, key=error.field or "form")
    messages.success(request, _("Details saved."))
    return redirect("console:person", pk=pk)


@staff_view("person.update")
@require_POST
def person_contact(request: HttpRequest, pk: int) -> HttpResponse:
    operation = request.POST.get("op", "add")
    posted = {"contact_kind": request.POST.get("kind", ""), "contact_value": request.POST.get("value", "")}
    try:
        found = person_get(actor=request.user, person_id=pk, purpose=DEFAULT_READ_PURPOSE)
        message = change_contact(request, found, operation)
    except ValidationError as error:
        return refused(request, pk, error, posted, key="contact_kind" if error.field == "kind" else "contact_value")
    messages.success(request, message)
    return redirect("console:person", pk=pk)


def change_contact(request: HttpRequest, found: Person, operation: str) -> str:
    if operation == "add":
        contact_point_add(
            actor=request.user,
            person=found,
            kind=request.POST.get("kind", ""),
            value=request.POST.get("value", ""),
            is_primary=request.POST.get("is_primary") == "1",
        )
        return _("Contact added.")
    point = own_contact_point(found, request.POST.get("point", ""))
    if operation == "remove":
        contact_point_remove(actor=request.user, contact_point=point)
        return _("Contact removed.")
    if operation == "primary":
        contact_point_set_primary(actor=request.user, contact_point=point)
        return _("Primary contact changed.")
    raise ValidationError(_("Unknown change."), field="contact_value")


def own_contact_point(found: Person, point_id: str) -> Any:
    for point in found.contact_points.all():
        if str(point.pk) == point_id:
            return point
    raise NotFound("Not found.")


@staff_view("person.consent")
@require_POST
def person_consent(request: HttpRequest, pk: int) -> HttpResponse:
    posted = {name: request.POST.get(name, "") for name in ("purpose", "given", "method", "note")}
    try:
        found = person_get(actor=request.user, person_id=pk, purpose=DEFAULT_READ_PURPOSE)
        if posted["given"] not in ("yes", "no"):
            raise ValidationError(_("Say whether consent was given or withdrawn."), field="given")
        consent_record(
            actor=request.user,
            person=found,
            purpose=posted["purpose"],
            given=posted["given"] == "yes",
            method=posted["method"],
            note=posted["note"],
        )
    except ValidationError as error:
        return refused(request, pk, error, posted, key=f"consent_{error.field or 'form'}")
    messages.success(request, _("Consent recorded."))
    return redirect("console:person", pk=pk)


def refused(request: HttpRequest, pk: int, error: ValidationError, posted: dict[str, str], *, key: str) -> HttpResponse:
    """The person page again with the error on the field `key` names and what was typed."""
    return render_person(request, pk, purpose=DEFAULT_READ_PURPOSE, errors={key: error.message}, posted=posted)


# --- merge --------------------------------------------------------------------------------------


@staff_view("person.merge")
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick the other record by search, compare both side by side, choose the survivor, merge."""
    if request.method == "POST":
        return merge_post(request, pk)
    this = person_get(actor=request.user, person_id=pk, purpose=MERGE_PURPOSE)
    other_id = request.GET.get("other", "")
    if other_id:
        other = person_get(actor=request.user, person_id=other_id, purpose=MERGE_PURPOSE)
        return merge_confirm(request, this, other, survivor=request.GET.get("survivor", "this"))
    query = request.GET.get("q", "").strip()
    found = persons_search(actor=request.user, query=query, purpose=MERGE_PURPOSE) if query else []
    context = {"active": "people", "person": this, "query": query, "results": [p for p in found if p.pk != this.pk]}
    return render_page(request, "console/people/merge_pick.html", context)


def merge_confirm(request: HttpRequest, this: Person, other: Person, *, survivor: str, error: str = "") -> HttpResponse:
    context = {
        "active": "people",
        "person": this,
        "other": other,
        "survivor": "other" if survivor == "other" else "this",
        "error": error,
        "sides": [merge_side(request, this, "this"), merge_side(request, other, "other")],
    }
    return render_page(request, "console/people/merge_confirm.html", context, status=400 if error else 200)


def merge_side(request: HttpRequest, found: Person, key: str) -> dict[str, Any]:
    cases = list(cases_for_person(actor=request.user, person_id=found.pk)[:PERSON_CASES_LIMIT])
    return {"key": key, "person": found, "contact_points": list(found.contact_points.all()), "cases": cases}


def merge_post(request: HttpRequest, pk: int) -> HttpResponse:
    this = person_get(actor=request.user, person_id=pk, purpose=MERGE_PURPOSE)
    other = person_get(actor=request.user, person_id=request.POST.get("other", ""), purpose=MERGE_PURPOSE)
    survivor = request.POST.get("survivor", "")
    if survivor not in ("this", "other"):
        return merge_confirm(request, this, other, survivor="this", error=_("Choose which record to keep."))
    source, target = (other, this) if survivor == "this" else (this, other)
    try:
        person_merge(actor=request.user, source=source, target=target)
    except ValidationError as error:
        return merge_confirm(request, this, other, survivor=survivor, error=error.message)
    messages.success(
        request,
        _("%(source)s was merged into %(target)s.") % {"source": source.display_name, "target": target.display_name},
    )
    return redirect("console:person", pk=target.pk)


urls = [
    path("people/", people, name="people"),
    path("people/<int:pk>/", person, name="person"),
    path("people/<int:pk>/details/", person_edit, name="person-edit"),
    path("people/<int:pk>/contacts/", person_contact, name="person-contact"),
    path("people/<int:pk>/consent/", person_consent, name="person-consent"),
    path("people/<int:pk>/merge/", merge, name="person-merge"),
]
