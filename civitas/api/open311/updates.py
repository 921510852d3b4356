"""servicerequestupdates (mySociety's extension used by FixMyStreet): GET the public update feed, POST a
resident's comment relayed by an app (application key)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from civitas.api.open311 import parsing
from civitas.api.open311.guards import application_key, open311_view
from civitas.api.open311.render import render
from civitas.core.errors import ValidationError
from civitas.integrations.open311 import UpdateSubmission, open311_update_create, open311_updates

MAX_PAGE = 100_000


@open311_view("GET", "POST")
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    params = request.GET
    rows = open311_updates(
        start=parsing.w3c_datetime(params, "start_date") or parsing.w3c_datetime(params, "updated_after"),
        end=parsing.w3c_datetime(params, "end_date") or parsing.w3c_datetime(params, "updated_before"),
        page=parsing.positive_int(params, "page", default=1, maximum=MAX_PAGE),
    )
    return render(fmt, "service_request_updates", rows)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = application_key(request)
    form = request.POST
    submission = UpdateSubmission(
        service_request_id=parsing.text(form, "service_request_id", limit=64),
        status=parsing.text(form, "status", limit=40),
        description=parsing.text(form, "description"),
        media_url=parsing.text(form, "media_url", limit=500),
        email=parsing.text(form, "email", limit=254),
        phone=parsing.text(form, "phone", limit=40),
        first_name=parsing.text(form, "first_name", limit=100),
        last_name=parsing.text(form, "last_name", limit=100),
        update_id_ext=parsing.text(form, "update_id_ext", limit=100),
    )
    if not submission.service_request_id:
        raise ValidationError("service_request_id is required.", field="service_request_id")
    parsing.w3c_datetime(form, "updated_datetime")  # checked; the update is dated when it is received
    update_id = open311_update_create(api_key=key, submission=submission)
    return render(fmt, "service_request_updates", [{"update_id": update_id}])
