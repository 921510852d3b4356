"""Writes for staff, departments, teams and memberships (each audited in its transaction)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from civitas.accounts.models import Department, Membership, Team, User
from civitas.accounts.permissions import ALL, clear_cache, departments_for, require
from civitas.accounts.roles import Role
from civitas.audit.services import audit_record
from civitas.core.errors import PermissionDenied, ValidationError

ORG_WIDE_ONLY = {Role.AUDITOR, Role.PRIVACY_OFFICER, Role.SYSTEM_ADMIN}


def department_create(*, actor: Any, code: str, name: str, email: str = "") -> Department:
    require(actor, "accounts.manage")
    if Department.objects.filter(code=code).exists():
        raise ValidationError(f"A department with code {code!r} already exists.", field="code")
    with transaction.atomic():
        department = Department.objects.create(code=code, name=name, email=email)
        audit_record(
            actor=actor,
            action="service:department:create",
            obj=department,
            changes={"code": {"before": None, "after": code}, "name": {"before": None, "after": name}},
        )
    return department


def team_create(*, actor: Any, department: Department, code: str, name: str) -> Team:
    require(actor, "accounts.manage", department.pk)
    if Team.objects.filter(department=department, code=code).exists():
        raise ValidationError(f"{department.name} already has a team with code {code!r}.", field="code")
    with transaction.atomic():
        team = Team.objects.create(department=department, code=code, name=name)
        audit_record(
            actor=actor,
            action="service:team:create",
            obj=team,
            changes={"name": {"before": None, "after": name}, "department": {"before": None, "after": department.pk}},
        )
    return team


def staff_user_create(*, actor: Any, email: str, display_name: str = "", password: str | None = None) -> User:
    require(actor, "accounts.manage")
    email = email.strip().lower()
    if not email or "@" not in email:
        raise ValidationError("Enter a valid email address.", field="email")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("A staff user with this email already exists.", field="email")
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, display_name=display_name, is_staff=True)
        audit_record(actor=actor, action="service:user:create", obj=user)
    return user


def membership_grant(
    *,
    actor: Any,
    user: User,
    role: str,
    department: Department | None = None,
    team: Team | None = None,
) -> Membership:
    _check_membership(role=role, department=department, team=team)
    require(actor, "accounts.manage", department.pk if department else None)
    if (role in ORG_WIDE_ONLY or department is None) and departments_for(actor, "accounts.manage") is not ALL:
        raise PermissionDenied("Only an organisation-wide administrator may grant organisation-wide roles.")
    existing = Membership.objects.filter(user=user, role=role, department=department, team=team).first()
    if existing:
        return existing
    with transaction.atomic():
        membership = Membership.objects.create(user=user, role=role, department=department, team=team)
        audit_record(
            actor=actor,
            action="service:membership:grant",
            obj=membership,
            context={"user_id": user.pk, "role": role, "department_id": department.pk if department else None},
        )
    clear_cache(user)
    return membership


def membership_revoke(*, actor: Any, membership: Membership) -> None:
    require(actor, "accounts.manage", membership.department_id)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="service:membership:revoke",
            obj=membership,
            context={"user_id": membership.user_id, "role": membership.role},
        )
        membership.delete()
    clear_cache(membership.user)


def _check_membership(*, role: str, department: Department | None, team: Team | None) -> None:
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.", field="role")
    if team is not None and (department is None or team.department_id != department.pk):
        raise ValidationError("The team must belong to the membership's department.", field="team")
    if role in ORG_WIDE_ONLY and department is not None:
        raise ValidationError(
            "Auditors, privacy officers and system administrators act organisation-wide.", field="department"
        )
