from django.contrib import admin

from civitas.accounts.admin_access import PermissionMapAdminMixin, PermissionMapInlineMixin
from civitas.cases.models import Attachment, Case, CaseDailyStat, CaseLink, TimelineEntry


class TimelineInline(PermissionMapInlineMixin, admin.TabularInline):
    model = TimelineEntry
    view_action = "case.view"
    extra = 0
    fields = ["created_at", "kind", "is_public", "author", "body"]
    readonly_fields = fields
    can_delete = False


class AttachmentInline(PermissionMapInlineMixin, admin.TabularInline):
    model = Attachment
    view_action = "case.view"
    extra = 0
    fields = ["original_name", "content_type", "size", "is_public", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Case)
class CaseAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    """Read-only here: cases change through the services (console, API) so every change is audited."""

    view_action = "case.view"
    department_field = "department"

    list_display = ["reference", "service_type", "department", "status", "priority", "channel", "created_at"]
    list_filter = ["status", "priority", "channel", "department", "service_type__group"]
    search_fields = ["reference", "source_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_select_related = ["service_type", "department"]
    inlines = [TimelineInline, AttachmentInline]
    exclude = ["tracking_token"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Case._meta.fields if field.name != "tracking_token"]


@admin.register(CaseLink)
class CaseLinkAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    view_action = "case.view"
    department_field = "from_case__department"
    list_display = ["from_case", "kind", "to_case", "created_at"]
    raw_id_fields = ["from_case", "to_case"]


@admin.register(CaseDailyStat)
class CaseDailyStatAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    view_action = "case.view"
    department_field = "department"
    list_display = ["day", "service_type", "department", "opened", "closed"]
    list_filter = ["department"]
    date_hierarchy = "day"
