from django.contrib import admin

from civitas.accounts.admin_access import PermissionMapAdminMixin
from civitas.audit.models import AuditCheckpoint, AuditEvent


class ReadOnlyAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    """The audit trail is append-only: auditors can look; nobody can add, change or delete."""

    view_action = "audit.view"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "occurred_at", "action", "actor", "object_type", "object_id", "person_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "request_id"]
    show_full_result_count = False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["seq", "signed_at", "key_id", "hash"]
