"""REST API v1: departments and teams the key may work with (ids to use in case filters and assignment)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from civitas.accounts.selectors import departments_visible, teams_visible
from civitas.api.rest.common import READ_ERRORS, clean_param
from civitas.api.rest.schemas import DepartmentOut, TeamOut

router = Router(tags=["organisation"])


@router.get("/departments", response={200: list[DepartmentOut], **READ_ERRORS}, url_name="departments")
def list_departments(request: HttpRequest) -> Any:
    departments = departments_visible(actor=request.user).order_by("name", "id")
    return [{"id": item.pk, "code": item.code, "name": item.name} for item in departments]


@router.get("/teams", response={200: list[TeamOut], **READ_ERRORS}, url_name="teams")
def list_teams(request: HttpRequest, department: str | None = None) -> Any:
    """Active teams, optionally of one department (by code)."""
    teams = teams_visible(actor=request.user).order_by("department__name", "name", "id")
    code = clean_param(department, "department")
    if code:
        teams = teams.filter(department__code=code)
    return [
        {
            "id": team.pk,
            "code": team.code,
            "name": team.name,
            "department": team.department.code,
            "department_id": team.department_id,
        }
        for team in teams
    ]
