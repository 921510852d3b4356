"""Administration of the service catalogue: groups, service types, attributes and their values.

Access follows the Civitas permission map rather than Django model permissions: viewing needs
`catalog.view`, changing needs `catalog.manage` in the service type's department (service
groups, shared by all departments, need it organisation-wide). Lists are scoped to those
departments. Every save — inline rows included — is written to the audit trail.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline
from modeltranslation.settings import AVAILABLE_LANGUAGES

from civitas.accounts.models import Department, Team
from civitas.accounts.permissions import ALL, departments_for, has_perm
from civitas.audit.admin_mixins import AuditedAdmin
from civitas.audit.services import audit_record
from civitas.catalog.cleaning import (
    check_default_team,
    check_required_variable,
    check_targets,
    check_values_for_datatype,
    localized,
)
from civitas.catalog.models import AttributeDatatype, AttributeValue, ServiceAttribute, ServiceGroup, ServiceType
from civitas.core.errors import ValidationError as DomainValidationError


def _localized(*fields: str) -> list[str]:
    return [localized(field, language) for field in fields for language in AVAILABLE_LANGUAGES]


def _as_form_error(error: DomainValidationError) -> forms.ValidationError:
    return forms.ValidationError({error.field or "__all__": error.message})


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet):
        return sorted(obj.pk for obj in value)
    return value


# --- permissions and auditing shared by the catalogue admins --------------------------------------


class CatalogAccessMixin:
    """Admin access from the Civitas permission map, scoped to departments."""

    department_path: str | None = "department"  # lookup from the model to its department; None: org-wide

    def _manage_departments(self, request: HttpRequest) -> set[int] | None:
        return departments_for(request.user, "catalog.manage")

    def _department_id(self, obj: Model) -> int | None:
        if self.department_path is None:
            return None
        target: Any = obj
        for part in self.department_path.split("__"):
            target = getattr(target, part, None)
        return getattr(target, "pk", None)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, "catalog.view")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_perm(request.user, "catalog.view", self._department_id(obj) if obj else None)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if self.department_path is None:
            return self._manage_departments(request) is ALL
        return has_perm(request.user, "catalog.manage")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self.department_path is None:
            return self._manage_departments(request) is ALL
        return has_perm(request.user, "catalog.manage", self._department_id(obj) if obj else None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        allowed = departments_for(request.user, "catalog.view")
        if allowed is ALL or self.department_path is None:
            return qs
        return qs.filter(**{f"{self.department_path}__in": allowed})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        allowed = self._manage_departments(request)
        if allowed is not ALL:
            if db_field.related_model is Department:
                kwargs["queryset"] = Department.objects.filter(pk__in=allowed)
            elif db_field.related_model is Team:
                kwargs["queryset"] = Team.objects.filter(department_id__in=allowed).select_related("department")
            elif db_field.related_model is ServiceType:
                kwargs["queryset"] = ServiceType.objects.filter(department_id__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class CatalogInlineAccessMixin:
    """Inline rows may be seen with `catalog.view` and edited with `catalog.manage` in the parent's department."""

    parent_department_path = "department"  # lookup from the parent object to its department

    def _department_id(self, parent: Model | None) -> int | None:
        target: Any = parent
        for part in self.parent_department_path.split("__"):
            target = getattr(target, part, None)
        return getattr(target, "pk", None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_perm(request.user, "catalog.view", self._department_id(obj))

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_perm(request.user, "catalog.manage", self._department_id(obj))

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_perm(request.user, "catalog.manage", self._department_id(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_perm(request.user, "catalog.manage", self._department_id(obj))


class AuditedInlinesMixin:
    """Record inline rows created, changed or deleted, as AuditedAdmin does for the main object."""

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms and inline_form.instance.pk:
                _audit_form(request, inline_form, "delete")
        pending = [
            (inline_form, "change" if inline_form.instance.pk else "create")
            for inline_form in formset.forms
            if inline_form.has_changed() and inline_form not in formset.deleted_forms
        ]
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for inline_form, verb in pending:
            _audit_form(request, inline_form, verb)


def _audit_form(request: HttpRequest, form: ModelForm, verb: str) -> None:
    obj = form.instance
    changes = {}
    if verb != "delete":
        changes = {
            name: {
                "before": _plain(form.initial.get(name)) if verb == "change" else None,
                "after": _plain(form.cleaned_data.get(name)),
            }
            for name in form.changed_data
        }
    audit_record(actor=request.user, action=f"admin:{obj._meta.model_name}:{verb}", obj=obj, changes=changes)


# --- service groups -------------------------------------------------------------------------------


@admin.register(ServiceGroup)
class ServiceGroupAdmin(CatalogAccessMixin, AuditedAdmin, TranslationAdmin):
    department_path = None
    list_display = ["code", "name", "order", "is_active", "service_count"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", *_localized("name")]
    ordering = ["order", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceGroup]:
        return super().get_queryset(request).annotate(services=Count("service_types", distinct=True))

    @admin.display(description="service types", ordering="services")
    def service_count(self, obj: ServiceGroup) -> int:
        return getattr(obj, "services", 0)


# --- service types --------------------------------------------------------------------------------


class ServiceTypeAdminForm(ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        department = data.get("department")
        try:
            check_default_team(data.get("default_team"), department.pk if department else None)
            check_targets(data.get("response_target_hours"), data.get("resolution_target_hours"))
        except DomainValidationError as error:
            raise _as_form_error(error) from None
        group = data.get("group")
        if group is not None and "extra_groups" in data:
            data["extra_groups"] = data["extra_groups"].exclude(pk=group.pk)
        return data


class ServiceAttributeInlineForm(ModelForm):
    """Choice lists need values, entered on the attribute's own page: refuse creating them here."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk and "code" in self.changed_data:
            raise forms.ValidationError(
                {"code": "The code of an attribute cannot change (stored answers use it); add a new attribute."}
            )
        datatype = data.get("datatype")
        has_values = bool(self.instance.pk) and self.instance.values.exists()
        if datatype in AttributeDatatype.list_types() and not has_values:
            raise forms.ValidationError(
                {"datatype": "Add choice lists from the service attribute page, where their values are entered."}
            )
        if datatype and datatype not in AttributeDatatype.list_types() and has_values:
            raise forms.ValidationError(
                {"datatype": "This attribute has values: change its datatype from the service attribute page."}
            )
        _check_required(data)
        return data


def _check_required(data: dict[str, Any]) -> None:
    try:
        check_required_variable(required=bool(data.get("required")), variable=bool(data.get("variable")))
    except DomainValidationError as error:
        raise _as_form_error(error) from None


class ServiceAttributeInline(CatalogInlineAccessMixin, TranslationStackedInline):
    model = ServiceAttribute
    form = ServiceAttributeInlineForm
    extra = 0
    show_change_link = True
    fields = [
        ("code", "datatype", "order"),
        ("variable", "required", "is_active"),
        "description",
        "datatype_description",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceAttribute]:
        return super().get_queryset(request).order_by("order", "id")


@admin.register(ServiceType)
class ServiceTypeAdmin(CatalogAccessMixin, AuditedInlinesMixin, AuditedAdmin, TranslationAdmin):
    form = ServiceTypeAdminForm
    list_display = [
        "code",
        "name",
        "group",
        "department",
        "kind",
        "default_priority",
        "is_private",
        "is_active",
        "order",
    ]
    list_filter = [
        "department",
        "group",
        "kind",
        "is_private",
        "is_active",
        "is_location_sensitive",
        "default_priority",
    ]
    list_select_related = ["group", "department"]
    search_fields = ["code", *_localized("name", "keywords")]
    autocomplete_fields = ["group", "extra_groups"]
    ordering = ["department__name", "group__order", "order", "code"]
    inlines = [ServiceAttributeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "keywords"]}),
        ("Catalogue", {"fields": ["group", "extra_groups", "order", "kind", "is_active", "is_private"]}),
        (
            "Routing and targets",
            {
                "fields": [
                    "department",
                    "default_team",
                    "default_priority",
                    "response_target_hours",
                    "resolution_target_hours",
                ]
            },
        ),
        ("Location", {"fields": ["is_location_sensitive", "duplicate_radius_m"]}),
    ]


# --- attributes -----------------------------------------------------------------------------------


class AttributeValueFormSet(BaseInlineFormSet):
    """The values on the page must suit the attribute's datatype (as saved with this form)."""

    def clean(self) -> None:
        super().clean()
        if not self.instance.datatype:
            return  # the attribute form itself is invalid; its errors are shown
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("key") and not (self.can_delete and self._should_delete_form(form))
        ]
        try:
            check_values_for_datatype(self.instance.datatype, len(kept))
        except DomainValidationError as error:
            raise forms.ValidationError(error.message) from None


class AttributeValueInline(CatalogInlineAccessMixin, TranslationTabularInline):
    parent_department_path = "service_type__department"
    model = AttributeValue
    formset = AttributeValueFormSet
    extra = 1
    fields = ["key", "name", "order"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AttributeValue]:
        return super().get_queryset(request).order_by("order", "id")


class ServiceAttributeAdminForm(ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_required(data)
        return data


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(CatalogAccessMixin, AuditedInlinesMixin, AuditedAdmin, TranslationAdmin):
    department_path = "service_type__department"
    form = ServiceAttributeAdminForm
    list_display = ["service_type", "code", "datatype", "required", "variable", "order", "is_active"]
    list_filter = ["datatype", "required", "variable", "is_active", "service_type__department"]
    list_select_related = ["service_type"]
    search_fields = ["code", "service_type__code", *_localized("description")]
    autocomplete_fields = ["service_type"]
    ordering = ["service_type__code", "order", "id"]
    inlines = [AttributeValueInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Stored answers are keyed by code and service type: neither changes once created.
        return ["service_type", "code"] if obj is not None else []
