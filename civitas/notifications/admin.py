"""Notifications in the admin: read-only, for staff who may see the case; no addresses or message text shown."""

from __future__ import annotations

from django.contrib import admin

from civitas.accounts.admin_access import PermissionMapAdminMixin
from civitas.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    view_action = "case.view"
    department_field = "case__department"

    list_display = ["id", "kind", "channel", "status", "language", "case", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "status", "channel", "language"]
    search_fields = ["case__reference"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_select_related = ["case"]
    fields = [
        "kind",
        "channel",
        "status",
        "language",
        "case",
        "entry",
        "person",
        "sign_in_link",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
