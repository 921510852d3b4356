"""Reads for staff, departments and teams, scoped to what the acting user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civitas.accounts.models import Department, Membership, Team, User
from civitas.accounts.permissions import ALL, departments_for


def departments_visible(*, actor: Any, action: str = "case.view") -> QuerySet[Department]:
    allowed = departments_for(actor, action)
    qs = Department.objects.filter(is_active=True)
    return qs if allowed is ALL else qs.filter(pk__in=allowed)


def teams_visible(*, actor: Any, action: str = "case.view") -> QuerySet[Team]:
    allowed = departments_for(actor, action)
    qs = Team.objects.filter(is_active=True).select_related("department")
    return qs if allowed is ALL else qs.filter(department_id__in=allowed)


def team_members(*, actor: Any, team: Team) -> QuerySet[User]:
    allowed = departments_for(actor, "case.view")
    if allowed is not ALL and team.department_id not in allowed:
        return User.objects.none()
    return User.objects.filter(memberships__team=team, is_active=True).distinct()


def user_roles(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("department", "team")
