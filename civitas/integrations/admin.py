"""Administration of the integrations: application keys, webhooks, sensor mappings and events.

Access follows the permission map (`integrations.manage`), not Django model permissions. Keys are issued and
revoked only through civitas.integrations.keys (audited); the secret is shown once and its hash never.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civitas.accounts.admin_access import PermissionMapAdminMixin
from civitas.accounts.models import Department, User
from civitas.accounts.permissions import ALL, departments_for
from civitas.audit.admin_mixins import AuditedAdmin
from civitas.catalog.models import ServiceType
from civitas.integrations.keys import api_key_issue, api_key_revoke
from civitas.integrations.models import ApiKey, KeyKind, SensorEvent, SensorMapping

MANAGE = "integrations.manage"


def managed_departments(request: HttpRequest) -> QuerySet[Department]:
    """Departments where the signed-in user may manage integrations."""
    allowed = departments_for(request.user, MANAGE)
    departments = Department.objects.filter(is_active=True)
    return departments if allowed is ALL else departments.filter(pk__in=allowed)


# --- application keys ------------------------------------------------------------------------------


class ApplicationKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "owner", "can_write", "departments", "expires_at", "rate_limit_per_minute"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields.get("owner")  # absent on the read-only view of an issued key
        if owner is not None:
            owner.queryset = User.objects.filter(is_active=True, memberships__isnull=False).distinct()
            owner.help_text = _("The member of staff responsible for the application.")

    def clean_expires_at(self) -> Any:
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return value


@admin.register(ApiKey)
class ApiKeyAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    """Application keys: issue (the secret shown once as a message), list, revoke. Never edited in place."""

    view_action = MANAGE
    add_action = MANAGE
    form = ApplicationKeyForm
    list_display = [
        "name",
        "prefix_shown",
        "owner",
        "can_write",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["can_write", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix_shown", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(kind=KeyKind.APPLICATION).select_related("owner")

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = list(ApplicationKeyForm.Meta.fields)
        return fields if obj is None else ["prefix_shown", *fields, "created_at", "last_used_at", "revoked_at"]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "departments":
            kwargs["queryset"] = managed_departments(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("starts with"))
    def prefix_shown(self, obj: ApiKey) -> str:
        return f"{obj.prefix}…"

    def save_model(self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool) -> None:
        """Issue through the service; the admin's own save would store a key without a secret."""
        data = form.cleaned_data
        issued = api_key_issue(
            actor=request.user,
            kind=KeyKind.APPLICATION,
            name=data["name"],
            owner=data["owner"],
            can_write=data["can_write"],
            department_ids=[d.pk for d in data["departments"]],
            expires_at=data["expires_at"],
            rate_limit_per_minute=data["rate_limit_per_minute"],
        )
        obj.pk, obj.prefix, obj.created_at = issued.key.pk, issued.key.prefix, issued.key.created_at
        messages.warning(
            request,
            _("The key is %(secret)s — copy it now: it is shown only this once.") % {"secret": issued.secret},
        )

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """Departments were set by api_key_issue; keys are never changed here."""

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for key in queryset:
            api_key_revoke(actor=request.user, key_id=key.pk)
            revoked += 1
        self.message_user(request, _("%(count)d key(s) revoked.") % {"count": revoked}, level=messages.SUCCESS)


# --- sensor mappings and events --------------------------------------------------------------------


class SensorMappingForm(forms.ModelForm):
    class Meta:
        model = SensorMapping
        fields = ["condition", "service_type", "priority", "description", "is_active"]

    def clean_service_type(self) -> Any:
        service_type = self.cleaned_data.get("service_type")
        if service_type is not None and service_type.attributes.filter(required=True, variable=True).exists():
            raise forms.ValidationError(
                _("A sensor cannot answer this service type's required questions; choose one without them.")
            )
        return service_type


@admin.register(SensorMapping)
class SensorMappingAdmin(PermissionMapAdminMixin, AuditedAdmin):
    """Which service type (and priority) a sensor condition opens; scoped to the service type's department."""

    form = SensorMappingForm
    view_action = MANAGE
    change_action = MANAGE
    add_action = MANAGE
    department_field = "service_type__department"
    list_display = ["condition", "service_type", "priority", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["condition", "description"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service_type":
            kwargs["queryset"] = ServiceType.objects.filter(department__in=managed_departments(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "priority":
            from civitas.core.choices import Priority

            choices = [("", _("The service type's default")), *Priority.choices]
            return forms.ChoiceField(choices=choices, required=False, label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(SensorEvent)
class SensorEventAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    """The readings received (read-only), scoped to the departments of their cases."""

    view_action = MANAGE
    department_field = "case__department"
    list_display = ["received_at", "device_id", "condition", "case_reference", "opened_case", "api_key"]
    list_filter = ["opened_case", "condition"]
    search_fields = ["device_id", "condition", "case__reference"]
    list_select_related = ["case", "api_key"]
    date_hierarchy = "received_at"

    @admin.display(description=_("case"), ordering="case__reference")
    def case_reference(self, obj: SensorEvent) -> str:
        return obj.case.reference


# --- webhook subscriptions and their delivery log (classes in civitas/integrations/webhooks/admin.py) ---
from civitas.integrations.webhooks.admin import register as register_webhook_admin  # noqa: E402

register_webhook_admin(admin.site)
