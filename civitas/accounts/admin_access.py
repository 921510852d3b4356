"""Admin pages answer to the permission map (not Django's model permissions), scoped by department."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from civitas.accounts.permissions import ALL, departments_for, has_perm


class PermissionMapAdminMixin:
    """Set `view_action` (and `change_action` to allow edits); `department_field` scopes the list."""

    view_action: str = ""
    change_action: str | None = None
    add_action: str | None = None
    department_field: str | None = None

    def _may(self, request: HttpRequest, action: str | None, obj: Model | None = None) -> bool:
        if not action:
            return False
        department_id = self._department_of(obj)
        return has_perm(request.user, action, department_id)

    def _department_of(self, obj: Model | None) -> int | None:
        if obj is None or not self.department_field:
            return None
        *path, last = self.department_field.split("__")
        value: Any = obj
        for part in path:
            value = getattr(value, part)
        return getattr(value, f"{last}_id")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, self.view_action)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, self.view_action, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, self.change_action, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may(request, self.add_action)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if not self.department_field:
            return qs
        allowed = departments_for(request.user, self.view_action)
        if allowed is ALL:
            return qs
        return qs.filter(**{f"{self.department_field}__in": allowed})


class PermissionMapInlineMixin:
    """Read-only inline shown to whoever may view the parent (set `view_action`)."""

    view_action: str = ""

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_perm(request.user, self.view_action)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
