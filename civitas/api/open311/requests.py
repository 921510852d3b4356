"""requests (GET list, POST a new one), requests/{service_request_id} and tokens/{token}."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from civitas.api.open311 import parsing
from civitas.api.open311.guards import application_key, open311_view
from civitas.api.open311.render import render
from civitas.core.errors import ValidationError
from civitas.integrations.open311 import (
    MAX_RECORDS,
    RequestQuery,
    Submission,
    open311_request,
    open311_request_create,
    open311_requests,
    open311_token,
)

MAX_PAGE = 100_000


def _query(request: HttpRequest) -> RequestQuery:
    params = request.GET
    return RequestQuery(
        references=parsing.comma_list(params, "service_request_id"),
        service_codes=parsing.comma_list(params, "service_code"),
        statuses=parsing.statuses(params),
        start=parsing.w3c_datetime(params, "start_date"),
        end=parsing.w3c_datetime(params, "end_date"),
        updated_after=parsing.w3c_datetime(params, "updated_after"),
        updated_before=parsing.w3c_datetime(params, "updated_before"),
        page=parsing.positive_int(params, "page", default=1, maximum=MAX_PAGE),
        page_size=parsing.positive_int(params, "page_size", default=MAX_RECORDS, maximum=MAX_RECORDS),
        extensions=parsing.flag(params, "extensions"),
    )


def _submission(request: HttpRequest) -> Submission:
    form = request.POST
    return Submission(
        service_code=parsing.text(form, "service_code", limit=100),
        description=parsing.text(form, "description"),
        lat=parsing.text(form, "lat", limit=40),
        long=parsing.text(form, "long", limit=40),
        address_string=parsing.text(form, "address_string", limit=300),
        address_id=parsing.text(form, "address_id", limit=200),
        media_url=parsing.text(form, "media_url", limit=500),
        email=parsing.text(form, "email", limit=254),
        phone=parsing.text(form, "phone", limit=40),
        first_name=parsing.text(form, "first_name", limit=100),
        last_name=parsing.text(form, "last_name", limit=100),
        attributes=parsing.attributes(form),
    )


@open311_view("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return render(fmt, "service_requests", open311_requests(_query(request)))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = application_key(request)
    submission = _submission(request)
    if not submission.service_code:
        raise ValidationError("service_code is required.", field="service_code")
    account_id = parsing.text(request.POST, "account_id", limit=100)
    parsing.text(request.POST, "device_id", limit=100)  # accepted (and checked), not kept
    created = open311_request_create(api_key=key, submission=submission)
    row: dict[str, str] = (
        {"token": created.token} if created.token else {"service_request_id": created.service_request_id or ""}
    )
    row.update({"service_notice": created.service_notice, "account_id": account_id})
    return render(fmt, "service_requests", [row])


@open311_view("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    row = open311_request(service_request_id, extensions=parsing.flag(request.GET, "extensions"))
    return render(fmt, "service_requests", [row])


@open311_view("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    return render(fmt, "service_requests", [open311_token(token)])
