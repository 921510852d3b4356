"""Request and response shapes of the REST API v1 (no logic: services validate, selectors scope)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from civitas.cases.states import CaseStatus
from civitas.core.choices import Priority

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=0, le=MAX_ID)]


def _iso_text(value: Any) -> Any:
    """Datetimes are ISO 8601 text (pydantic would also take a number as a Unix time)."""
    if isinstance(value, str) and "-" in value:
        return value
    if isinstance(value, datetime):
        return value
    raise ValueError("Give a date and time in ISO 8601, e.g. 2026-01-31T09:00:00Z.")


def _in_utc(value: datetime) -> datetime:
    """In UTC (a naive time is taken as UTC); the database refuses unusual offsets such as -17:09."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("This date and time is out of range.") from None


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_in_utc)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class Input(Schema):
    """A request body. Text holding a NUL character is refused here (PostgreSQL cannot store it)."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        values = getattr(data, "_obj", data)  # ninja hands validators a DjangoGetter around the dict
        if _has_nul(values):
            raise ValueError("Text must not contain NUL characters.")
        return data


class FieldError(Schema):
    field: str | None = None
    message: str
    code: str


class Problem(Schema):
    """RFC 7807 problem details (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None
    current_version: int | None = Field(None, description="On a stale `version` (409): the version now stored.")


# --- cases -----------------------------------------------------------------------------------------


class CaseOut(Schema):
    reference: str
    status: str
    priority: str
    channel: str
    title: str
    description: str
    service_code: str
    service_name: str
    department: str = Field(description="The department's code.")
    team_id: int | None
    assignee_id: int | None
    lat: float | None
    long: float | None
    address: str
    area: str
    attributes: dict[str, Any]
    requester_id: int | None = Field(None, description="Only for keys whose owner may view people.")
    version: int = Field(description="Send it back with an update; a stale one gets 409.")
    created_at: datetime
    updated_at: datetime
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class CasePage(Schema):
    items: list[CaseOut]
    next: str | None = Field(description="URL of the next page, or null on the last one.")
    cursor: str | None = Field(description="The opaque cursor in `next`.")


class CaseCreateIn(Input):
    service_code: str = Field(min_length=1, max_length=100)
    description: str = ""
    title: str = ""
    priority: Priority | None = None
    lat: float | None = None
    long: float | None = None
    address: str = ""
    area: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


class CaseUpdateIn(Input):
    """Only the fields sent are changed. `version` is the version you read."""

    version: Version
    service_code: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    area: str | None = None
    attributes: dict[str, Any] | None = None


class TransitionIn(Input):
    status: CaseStatus
    version: Version | None = None
    note: str = ""
    public_note: bool = True


class AssignIn(Input):
    team_id: Id | None = None
    assignee_id: Id | None = None
    version: Version | None = None


class NoteIn(Input):
    body: str = Field(min_length=1)
    public: bool = Field(False, description="True: a public update the resident sees; false: an internal note.")


class NoteOut(Schema):
    id: int
    kind: str
    public: bool
    body: str
    author_id: int | None
    created_at: datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    public: bool
    created_at: datetime
    download: str


# --- people ----------------------------------------------------------------------------------------


class ContactOut(Schema):
    kind: str
    value: str
    is_primary: bool


class PersonOut(Schema):
    id: int
    given_name: str
    family_name: str
    preferred_language: str
    preferred_channel: str
    address: str
    is_active: bool
    merged_into_id: int | None
    contacts: list[ContactOut]


# --- catalogue and organisation --------------------------------------------------------------------


class AttributeValueOut(Schema):
    key: str
    name: str


class AttributeOut(Schema):
    code: str
    datatype: str
    required: bool
    variable: bool
    description: str
    datatype_description: str
    order: int
    values: list[AttributeValueOut]


class ServiceOut(Schema):
    code: str
    name: str
    description: str
    kind: str
    group: str | None
    department: str
    default_priority: str
    is_private: bool
    is_active: bool


class ServiceDetailOut(ServiceOut):
    attributes: list[AttributeOut]


class DepartmentOut(Schema):
    id: int
    code: str
    name: str


class TeamOut(Schema):
    id: int
    code: str
    name: str
    department: str
    department_id: int


# --- audit -----------------------------------------------------------------------------------------


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    action: str
    actor_id: int | None
    object_type: str
    object_id: str
    person_id: int | None
    data: dict[str, Any]
    request_id: str
    hash: str


class AuditPage(Schema):
    items: list[AuditEventOut]
    next: str | None
    cursor: str | None
