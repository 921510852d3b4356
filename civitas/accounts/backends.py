"""System administrators (by role) hold every Django permission, so the admin site works for them."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import BaseBackend

from civitas.accounts.permissions import is_system_admin


class SystemAdminRoleBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return is_system_admin(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return is_system_admin(user_obj)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when there is no request to key it on.

    Only code outside a web request calls authenticate() without one (the test client's
    login(), management commands); every sign-in form passes the request.
    """

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
