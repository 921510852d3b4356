"""Admin changes land in the audit chain too (the admin wraps each save in a transaction)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from civitas.audit.services import audit_record


def _value(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if hasattr(value, "all") and callable(value.all):  # related managers / querysets
        return sorted(obj.pk for obj in value.all())
    if isinstance(value, list | tuple | set) and value and isinstance(next(iter(value)), Model):
        return sorted(obj.pk for obj in value)
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    return value


class AuditedAdmin(admin.ModelAdmin):
    """Records `admin:<model>:create|change|delete` with before/after of changed fields."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        before = {name: _value(form.initial.get(name)) for name in form.changed_data} if change else {}
        super().save_model(request, obj, form, change)
        after = {name: _value(form.cleaned_data.get(name)) for name in form.changed_data}
        changes = {name: {"before": before.get(name), "after": after.get(name)} for name in form.changed_data}
        verb = "change" if change else "create"
        audit_record(actor=request.user, action=f"admin:{obj._meta.model_name}:{verb}", obj=obj, changes=changes)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        audit_record(actor=request.user, action=f"admin:{obj._meta.model_name}:delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action=f"admin:{obj._meta.model_name}:delete", obj=obj)
        super().delete_queryset(request, queryset)
