"""Console: call-centre intake — caller, service type, its questions, details, create (channel = phone).

One form on one page. Without JavaScript every button posts the whole form and the page comes
back with everything typed still there; with htmx the caller and service-type look-ups and the
questions of the chosen service type are fetched as fragments. Only "Create case" writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civitas.cases.models import Case
from civitas.cases.services import case_create_with_caller
from civitas.catalog.models import ServiceAttribute, ServiceType
from civitas.catalog.selectors import attributes_for, service_type_by_code, service_types_for_intake
from civitas.catalog.validation import AttributeValidationError
from civitas.console.views._base import render_page, staff_view
from civitas.core.choices import Channel, Language, Priority
from civitas.core.errors import NotFound, ValidationError
from civitas.people.models import Person, PreferredChannel
from civitas.people.selectors import person_get, persons_search

CALLER_PURPOSE = "caller_enquiry"
MIN_QUERY_LENGTH = 2
ANONYMOUS, NEW = "anonymous", "new"
PERSON_FIELDS = ("given_name", "family_name", "phone", "email", "preferred_language", "preferred_channel")
CASE_FIELDS = ("description", "address", "lat", "long", "priority")
# Where a service's error field lands on this form.
FIELD_ALIASES = {"requester": "caller", "attributes": "service_type", "kind": "phone", "title": "description"}


@dataclass
class IntakeForm:
    """What the agent has typed so far (always shown back, so nothing is lost)."""

    caller_query: str = ""
    caller: str = ANONYMOUS
    service_query: str = ""
    service_type: str = ""
    person: dict[str, str] = field(default_factory=dict)
    case: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: QueryDict) -> IntakeForm:
        answers: dict[str, Any] = {}
        for key in data:
            if key.startswith("attribute[") and key.endswith("]"):
                values = [value for value in data.getlist(key) if value.strip()]
                answers[key[len("attribute[") : -1]] = values if len(values) > 1 else (values[0] if values else "")
        return cls(
            caller_query=data.get("caller_query", "").strip(),
            caller=data.get("caller", ANONYMOUS) or ANONYMOUS,
            service_query=data.get("service_query", "").strip(),
            service_type=data.get("service_type", "").strip(),
            person={name: data.get(name, "").strip() for name in PERSON_FIELDS},
            case={name: data.get(name, "").strip() for name in CASE_FIELDS},
            answers=answers,
        )


# --- the page -----------------------------------------------------------------------------------


@staff_view("case.create")
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm.from_data(request.POST if request.method == "POST" else request.GET)
    errors: dict[str, str] = {}
    if request.method == "POST" and request.POST.get("action") == "create":
        try:
            case = create_case(request.user, form)
        except ValidationError as error:
            errors = form_errors(error)
        else:
            messages.success(request, _("Case %(reference)s created.") % {"reference": case.reference})
            return redirect("console:case", reference=case.reference)
    context = page_context(request, form, errors)
    return render_page(request, "console/intake/intake.html", context, status=400 if errors else 200)


def page_context(request: HttpRequest, form: IntakeForm, errors: dict[str, str]) -> dict[str, Any]:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    service_types = find_service_types(request, form.service_query, chosen=form.service_type)
    chosen = chosen_service_type(form.service_type, service_types)
    return {
        "active": "intake",
        "form": form,
        "errors": errors,
        "error_links": error_links(errors),
        "callers": find_callers(request, form.caller_query, chosen=form.caller),
        "service_types": service_types,
        "service_type": chosen,
        "questions": questions_for(chosen, form.answers, errors),
        "languages": Language.choices,
        "channels": PreferredChannel.choices,
        "priorities": Priority.choices,
        "searched_callers": bool(form.caller_query),
        "searched_services": bool(form.service_query),
        "focus": focus_after(action, errors),
    }


def focus_after(action: str, errors: dict[str, str]) -> str:
    """Which control gets focus when the page comes back after a plain (no-JavaScript) post."""
    if errors:
        return "error-summary"
    return {"find_caller": "caller-results", "find_service": "service-results", "show_questions": "questions"}.get(
        action, ""
    )


# --- fragments (htmx) ---------------------------------------------------------------------------


@staff_view("case.create")
@require_GET
def callers(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("caller_query", "").strip()
    chosen = request.GET.get("caller", "").strip()
    form = IntakeForm(caller_query=query, caller=chosen or ANONYMOUS)
    context = {"callers": find_callers(request, query, chosen=chosen), "form": form}
    context["searched_callers"] = bool(query)
    return render_page(request, "console/intake/_callers_fragment.html", context)


@staff_view("case.create")
@require_GET
def service_types(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("service_query", "").strip()
    chosen = request.GET.get("service_type", "").strip()
    found = find_service_types(request, query, chosen=chosen)
    context = {"service_types": found, "form": IntakeForm(service_query=query, service_type=chosen)}
    context["searched_services"] = bool(query)
    return render_page(request, "console/intake/_services_fragment.html", context)


@staff_view("case.create")
@require_GET
def attributes(request: HttpRequest) -> HttpResponse:
    chosen = chosen_service_type(request.GET.get("service_type", "").strip(), [])
    context = {"service_type": chosen, "questions": questions_for(chosen, {}, {})}
    return render_page(request, "console/intake/_questions.html", context)


# --- reading ------------------------------------------------------------------------------------


def find_callers(request: HttpRequest, query: str, *, chosen: str) -> list[Person]:
    """People matching the look-up, with the chosen one kept in the list even when the query changed."""
    found = []
    if len(query) >= MIN_QUERY_LENGTH:
        found = persons_search(actor=request.user, query=query, limit=10, purpose=CALLER_PURPOSE)
    if chosen.isdigit() and all(str(person.pk) != chosen for person in found):
        try:
            found.insert(0, person_get(actor=request.user, person_id=chosen, purpose=CALLER_PURPOSE))
        except NotFound:
            pass
    return found


def find_service_types(request: HttpRequest, query: str, *, chosen: str) -> list[ServiceType]:
    found = service_types_for_intake(actor=request.user, query=query) if len(query) >= MIN_QUERY_LENGTH else []
    if chosen and all(item.code != chosen for item in found):
        kept = chosen_service_type(chosen, [])
        if kept is not None:
            found.insert(0, kept)
    return found


def chosen_service_type(code: str, listed: list[ServiceType]) -> ServiceType | None:
    for item in listed:
        if item.code == code:
            return item
    if not code:
        return None
    try:
        return service_type_by_code(code, include_private=True)
    except NotFound:
        return None


@dataclass
class Question:
    attribute: ServiceAttribute
    value: Any
    error: str

    @property
    def chosen(self) -> list[str]:
        return self.value if isinstance(self.value, list) else [self.value]

    @property
    def element_id(self) -> str:
        return f"attr-{self.attribute.code}"


def questions_for(service_type: ServiceType | None, answers: dict[str, Any], errors: dict[str, str]) -> list[Question]:
    if service_type is None:
        return []
    return [
        Question(attribute, answers.get(attribute.code, ""), errors.get(f"attribute[{attribute.code}]", ""))
        for attribute in attributes_for(service_type)
    ]


# --- writing ------------------------------------------------------------------------------------


def create_case(actor: Any, form: IntakeForm) -> Case:
    """The caller (existing, new or anonymous) and the case, through one service."""
    if not form.service_type:
        raise ValidationError(
            _("Choose the service type: type what the problem is, then pick one."), field="service_type"
        )
    return case_create_with_caller(
        actor=actor,
        new_caller=form.person if form.caller == NEW else None,
        requester=existing_caller(actor, form),
        service_type=form.service_type,
        channel=Channel.PHONE,
        description=form.case["description"],
        address=form.case["address"],
        lat=form.case["lat"],
        long=form.case["long"],
        priority=form.case["priority"] or None,
        attributes={code: value for code, value in form.answers.items() if value not in ("", [])},
    )


def existing_caller(actor: Any, form: IntakeForm) -> Person | None:
    if form.caller in (ANONYMOUS, NEW):
        return None
    try:
        return person_get(actor=actor, person_id=form.caller, purpose=CALLER_PURPOSE)
    except NotFound:
        raise ValidationError(_("That caller could not be found; search again."), field="caller") from None


def form_errors(error: ValidationError) -> dict[str, str]:
    """Errors keyed by this form's field names (every attribute problem, not just the first)."""
    problems = error.errors if isinstance(error, AttributeValidationError) else [(error.field or "form", error.message)]
    errors: dict[str, str] = {}
    for name, message in problems:
        errors.setdefault(FIELD_ALIASES.get(name, name), message)
    return errors


ERROR_ANCHORS = {
    "caller": "caller-results",
    "service_type": "service-results",
    "given_name": "new-given-name",
    "family_name": "new-family-name",
    "phone": "new-phone",
    "email": "new-email",
    "preferred_language": "new-language",
    "preferred_channel": "new-channel",
    "description": "description",
    "address": "address",
    "lat": "lat",
    "long": "long",
    "priority": "priority",
}


def error_links(errors: dict[str, str]) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary: each message links to its control."""
    links = []
    for name, message in errors.items():
        if name.startswith("attribute[") and name.endswith("]"):
            anchor = f"attr-{name[len('attribute[') : -1]}"
        else:
            anchor = ERROR_ANCHORS.get(name, "intake-form")
        links.append((anchor, message))
    return links


urls = [
    path("new/", intake, name="intake"),
    path("new/callers/", callers, name="intake-callers"),
    path("new/service-types/", service_types, name="intake-service-types"),
    path("new/questions/", attributes, name="intake-attributes"),
]
