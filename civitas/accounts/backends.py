"""System administrators (by role) hold every Django permission, so the admin site works for them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from civitas.accounts.permissions import is_system_admin


class SystemAdminRoleBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return is_system_admin(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return is_system_admin(user_obj)
