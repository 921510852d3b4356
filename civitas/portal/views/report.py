"""Portal: report a problem — the service page and form, review, submit, done; possible duplicates and "me too".

Without JavaScript the flow is plain pages: the form (POST) keeps the draft in the session and
sends the resident to the review page; the review page (POST) submits; the done page reads the
just-created case from the session (never a token or id in its URL). With JavaScript the map
sets the pin, "use my location" fills it, and htmx refreshes the possible duplicates as the pin
moves. Views parse and call services/selectors; the rules live in the domain.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from civitas.cases.duplicates import PossibleDuplicate, open_case_for_follow, open_cases_near
from civitas.cases.models import Case
from civitas.cases.services.lifecycle import case_follow_by_contact
from civitas.cases.services.photos import case_create_with_photos, photo_clean
from civitas.catalog.definitions import Definition, service_definition
from civitas.core.errors import DomainError, ValidationError
from civitas.people.normalise import normalise_email, normalise_phone
from civitas.portal.forms import drafts
from civitas.portal.forms.report import CONTACT, ReportForm, data_from_draft
from civitas.portal.views._base import client_ip, resident_id

logger = logging.getLogger(__name__)

# A request larger than every photo at its limit plus the text fields is refused before it is read.
TEXT_ALLOWANCE = 1024 * 1024


# --- helpers ---------------------------------------------------------------------------------------


def _definition(code: str) -> Definition:
    definition = service_definition(code)
    if definition is None or not definition.service_type.is_active:
        raise Http404
    return definition


def _url(name: str, **kwargs: Any) -> str:
    """A URL by route name, or "" while the page that serves it is not built yet."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _prefill(request: HttpRequest) -> dict[str, Any]:
    """Remembered details of a signed-in resident who allowed us to keep them (else nothing)."""
    person_id = resident_id(request)
    if person_id is None:
        return {}
    try:
        from civitas.people.residents import resident_prefill  # the accounts area provides it
    except ImportError:
        return {}
    details = resident_prefill(person_id) or {}
    initial = {
        name: details[name] for name in ("given_name", "family_name", "email", "phone", "address") if details.get(name)
    }
    if any(initial.get(name) for name in ("email", "phone")):
        initial["contact_choice"] = CONTACT
    for name in ("preferred_channel", "preferred_language"):
        if details.get(name):
            initial[name] = details[name]
    return initial


def _request_too_large(request: HttpRequest) -> bool:
    limit = settings.PORTAL_MAX_PHOTOS * settings.PORTAL_PHOTO_MAX_BYTES + TEXT_ALLOWANCE
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


def _form_page(
    request: HttpRequest, definition: Definition, form: ReportForm, draft: dict | None, *, status: int = 200
) -> HttpResponse:
    errors = form.error_list() if form.is_bound else []
    errors += getattr(form, "photo_errors", [])
    context = {
        "service": definition.service_type,
        "form": form,
        "attribute_items": form.attribute_items(),
        "errors": errors,
        "photo_errors": [message for _anchor, message in getattr(form, "photo_errors", [])],
        "draft_photos": (draft or {}).get("photos", []),
        "max_photos": settings.PORTAL_MAX_PHOTOS,
        "photo_max_mb": max(1, settings.PORTAL_PHOTO_MAX_BYTES // (1024 * 1024)),
        "map_center": settings.PORTAL_MAP_CENTER,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "duplicates": _duplicates_for(definition, form),
        "step_title": _("Step 1 of 2: Tell us about the problem"),
    }
    return render(request, "portal/report/form.html", context, status=status)


def _duplicates_for(definition: Definition, form: ReportForm) -> list[PossibleDuplicate]:
    point = _form_point(form)
    if point is None:
        return []
    return open_cases_near(service_type=definition.service_type, lat=point[0], long=point[1])


def _form_point(form: ReportForm) -> tuple[float, float] | None:
    source = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    lat, long = source.get("lat"), source.get("long")
    if isinstance(lat, float) and isinstance(long, float):
        return lat, long
    return None


def _keep_photos(request: HttpRequest, form: ReportForm, draft: dict) -> None:
    """Check each newly uploaded photo; keep the good ones in the draft, name the bad ones."""
    form.photo_errors = []  # type: ignore[attr-defined]
    remove = {int(value) for value in request.POST.getlist("remove_photo") if value.isdigit()}
    if remove:
        drafts.draft_remove_photos(request.session, draft, remove)
    uploads = [upload for upload in request.FILES.getlist("photos") if upload.size]
    room = settings.PORTAL_MAX_PHOTOS - len(draft["photos"])
    for number, upload in enumerate(uploads, start=1):
        name = upload.name or _("photo %(number)d") % {"number": number}
        if number > room:
            message = _("%(name)s was not added: you can send at most %(count)d photos.") % {
                "name": name,
                "count": settings.PORTAL_MAX_PHOTOS,
            }
            form.photo_errors.append(("id_photos", message))  # type: ignore[attr-defined]
            continue
        try:
            photo = photo_clean(upload)
        except ValidationError as problem:
            form.photo_errors.append(("id_photos", f"{name}: {problem.message}"))  # type: ignore[attr-defined]
            continue
        drafts.draft_add_photo(request.session, draft, photo, name)


def _contact_key(contact: dict[str, str] | None) -> str | None:
    """The per-contact rate-limit key: a hash of the normalised email (else phone), never the value."""
    if not contact:
        return None
    value = contact.get("email") or contact.get("phone") or ""
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value else None


def _rate_limited(request: HttpRequest, contact: dict[str, str] | None) -> bool:
    ip = client_ip(request)
    limited = is_ratelimited(
        request,
        group="portal-report-ip",
        key=lambda _group, _request: ip,
        rate=settings.PORTAL_REPORT_RATE_IP,
        increment=True,
    )
    contact_key = _contact_key(contact)
    if contact_key and not limited:
        limited = is_ratelimited(
            request,
            group="portal-report-contact",
            key=lambda _group, _request: contact_key,
            rate=settings.PORTAL_REPORT_RATE_CONTACT,
            increment=True,
        )
    return bool(limited)


def _too_many(request: HttpRequest, back_url: str) -> HttpResponse:
    context = {
        "message": _(
            "We have had a lot of reports from you in a short time, so we cannot take this one right now. "
            "Nothing you typed is lost: please wait an hour and send it again."
        ),
        "back_url": back_url,
        "back_text": _("Go back to your report"),
    }
    return render(request, "portal/429.html", context, status=429)


# --- step 1: the service page and its form -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, code: str) -> HttpResponse:
    definition = _definition(code)
    if request.method == "GET":
        draft = drafts.draft_get(request.session, definition.service_type.code)
        if draft is not None:
            form = ReportForm(definition, initial=data_from_draft(draft["values"]).dict())
            form.initial.update({k: v for k, v in draft["values"].items() if isinstance(v, list)})
        else:
            form = ReportForm(definition, initial=_prefill(request))
        return _form_page(request, definition, form, draft)
    draft = drafts.draft_start(request.session, definition.service_type.code)
    if _request_too_large(request):
        form = ReportForm(definition, data=data_from_draft(draft["values"]))
        form.is_valid()
        form.photo_errors = [  # type: ignore[attr-defined]
            ("id_photos", _("The photos were too large to send together. Send smaller photos, or fewer at a time."))
        ]
        return _form_page(request, definition, form, draft, status=413)
    form = ReportForm(definition, data=request.POST)
    _keep_photos(request, form, draft)
    valid = form.is_valid()
    if form.is_spam:
        drafts.draft_discard(request.session)
        return _form_page(request, definition, form, None, status=400)
    drafts.draft_save_values(request.session, draft, form.draft_values())
    if not valid or form.photo_errors or request.POST.get("action") == "upload":  # type: ignore[attr-defined]
        return _form_page(request, definition, form, draft)
    return redirect("portal:report-review", code=definition.service_type.code)


# --- step 2: review and submit --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, code: str) -> HttpResponse:
    definition = _definition(code)
    form_url = reverse("portal:report", kwargs={"code": definition.service_type.code})
    draft = drafts.draft_get(request.session, definition.service_type.code)
    if draft is None:
        return redirect(form_url)
    form = ReportForm(definition, data=data_from_draft(draft["values"]))
    if not form.is_valid():  # the catalogue changed, or the draft is incomplete: back to the form
        return _form_page(request, definition, form, draft)
    if request.method == "POST":
        return _submit(request, definition, form, draft, form_url)
    return _review_page(request, definition, form, draft)


def _review_page(
    request: HttpRequest, definition: Definition, form: ReportForm, draft: dict, *, errors: list | None = None
) -> HttpResponse:
    point = _form_point(form)
    duplicates = open_cases_near(service_type=definition.service_type, lat=point[0], long=point[1]) if point else []
    context = {
        "service": definition.service_type,
        "form": form,
        "answers": _answers(form),
        "contact": form.contact(),
        "draft_photos": draft.get("photos", []),
        "duplicates": duplicates,
        "has_contact": bool(form.contact()),
        "errors": errors or [],
        "form_url": reverse("portal:report", kwargs={"code": definition.service_type.code}),
    }
    return render(request, "portal/report/review.html", context, status=400 if errors else 200)


def _answers(form: ReportForm) -> list[dict[str, Any]]:
    """The service's questions with the answers as the resident will read them."""
    rows = []
    for item in form.attribute_items():
        if item["field"] is None:
            continue
        attribute = item["attribute"]
        value = form.attribute_answers.get(attribute.code)
        names = {v.key: v.name for v in attribute.values.all()}
        raw = form.cleaned_data.get(item["field"].name)
        if isinstance(value, list):
            shown = ", ".join(names.get(key, key) for key in value)
        elif names and value is not None:
            shown = names.get(str(value), str(value))
        elif attribute.datatype == "datetime" and raw:
            shown = str(raw).replace("T", " ")
        else:
            shown = "" if value is None else str(value)
        rows.append({"label": item["field"].label, "value": shown, "anchor": form._anchor(item["field"].name)})
    return rows


def _submit(request: HttpRequest, definition: Definition, form: ReportForm, draft: dict, form_url: str) -> HttpResponse:
    if (request.POST.get("website") or "").strip():
        drafts.draft_discard(request.session)
        return _review_page(
            request, definition, form, draft, errors=[("", _("We could not accept this form. Please try again later."))]
        )
    contact = form.contact()
    if _rate_limited(request, contact):
        return _too_many(request, reverse("portal:report-review", kwargs={"code": definition.service_type.code}))
    try:
        case = case_create_with_photos(
            actor=None, contact=contact, photos=drafts.draft_photos(draft), **form.case_arguments()
        )
    except DomainError as problem:
        logger.info("portal report refused: %s", getattr(problem, "code", "invalid"))
        name = _form_field_for(problem.field)
        if name:
            form.add_error(name, problem.message)
        else:
            form.add_error(None, problem.message)
        return _form_page(request, definition, form, draft, status=400)
    drafts.draft_discard(request.session)
    request.session[drafts.DONE_SESSION_KEY] = case.pk
    return redirect("portal:report-done")


def _form_field_for(field: str | None) -> str | None:
    if field in {"description", "address", "lat", "long", "email", "phone", "given_name", "family_name"}:
        return field
    if field and field.startswith("attribute[") and field.endswith("]"):
        return f"attr__{field[len('attribute[') : -1]}"
    return None


# --- done ---------------------------------------------------------------------------------------------------


@require_GET
def done(request: HttpRequest) -> HttpResponse:
    case_id = request.session.get(drafts.DONE_SESSION_KEY)
    case = Case.objects.select_related("service_type").filter(pk=case_id).first() if isinstance(case_id, int) else None
    if case is None:
        return redirect("portal:services") if _url("portal:services") else redirect("portal:home")
    context = {
        "case": case,
        "tracking_url": request.build_absolute_uri(_url("portal:track-case", token=case.tracking_token))
        if _url("portal:track-case", token=case.tracking_token)
        else "",
        "has_contact": case.requester_id is not None,
        "photo_count": case.attachments.count(),
    }
    response = render(request, "portal/report/done.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- possible duplicates (htmx fragment) and "me too" -------------------------------------------------------


@require_GET
def duplicates(request: HttpRequest, code: str) -> HttpResponse:
    definition = _definition(code)
    found: list[PossibleDuplicate] = []
    try:
        lat, long = float(request.GET.get("lat", "")), float(request.GET.get("long", ""))
    except ValueError:
        lat = long = None  # type: ignore[assignment]
    if lat is not None and -90 <= lat <= 90 and -180 <= long <= 180:
        found = open_cases_near(service_type=definition.service_type, lat=lat, long=long)
    context = {"service": definition.service_type, "duplicates": found, "in_form": True}
    return render(request, "portal/report/_duplicates.html", context)


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, code: str) -> HttpResponse:
    definition = _definition(code)
    reference = (request.POST.get("reference") or request.GET.get("reference") or "").strip()
    case = open_case_for_follow(reference=reference)
    if case is None or case.service_type_id != definition.service_type.pk:
        raise Http404
    draft = drafts.draft_get(request.session, definition.service_type.code)
    values = (draft or {}).get("values", {})
    from_draft = request.method == "GET" or request.POST.get("use_my_details") == "1"
    source = values if from_draft else request.POST
    typed = {"email": str(source.get("email") or ""), "phone": str(source.get("phone") or "")}
    context: dict[str, Any] = {"service": definition.service_type, "case": case, "typed": typed, "errors": []}
    if request.method == "GET":
        return render(request, "portal/report/follow.html", context)
    contact, errors = _follow_contact(typed)
    if errors:
        context["errors"] = errors
        return render(request, "portal/report/follow.html", context, status=400)
    back = (
        reverse("portal:report-follow", kwargs={"code": definition.service_type.code}) + f"?reference={case.reference}"
    )
    if _rate_limited(request, contact):
        return _too_many(request, back)
    try:
        case_follow_by_contact(actor=None, case=case, **contact)
    except DomainError as problem:
        context["errors"] = [("follow-email", problem.message)]
        return render(request, "portal/report/follow.html", context, status=400)
    drafts.draft_discard(request.session)
    context["public_url"] = _url("portal:request", reference=case.reference)
    return render(request, "portal/report/follow_done.html", context)


def _follow_contact(typed: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    contact: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    if not typed["email"].strip() and not typed["phone"].strip():
        errors.append(
            (
                "follow-email",
                _("To be told about updates we need an email address or a phone number. Give one of them."),
            )
        )
        return contact, errors
    if typed["email"].strip():
        try:
            contact["email"] = normalise_email(typed["email"])
        except ValidationError:
            errors.append(("follow-email", _("Enter an email address in the right format, like name@example.com.")))
    if typed["phone"].strip():
        try:
            contact["phone"] = normalise_phone(typed["phone"])
        except ValidationError:
            errors.append(("follow-phone", _("Enter a phone number with its area code, like 617 555 0123.")))
    return contact, errors


urls: list[URLPattern] = [
    path("report/done/", done, name="report-done"),
    path("report/<str:code>/", report, name="report"),
    path("report/<str:code>/review/", review, name="report-review"),
    path("report/<str:code>/duplicates/", duplicates, name="report-duplicates"),
    path("report/<str:code>/follow/", follow, name="report-follow"),
]
