"""Admin for people: names and preferences, contact points inline, consent history read-only.

Every admin change is audited like the rest of the admin (AuditedAdmin), except that names
and contact values are recorded as "<changed>" markers: the audit trail never holds personal
data. Opening a person records an access event. Merging and erasure are services, not admin
edits, so `is_active`/`merged_into` are read-only and people cannot be deleted here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse

from civitas.accounts.admin_access import PermissionMapAdminMixin
from civitas.accounts.permissions import has_perm
from civitas.audit.admin_mixins import AuditedAdmin
from civitas.audit.services import access_record, audit_record
from civitas.core.errors import ValidationError as DomainValidationError
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.normalise import guess_contact, normalise_contact
from civitas.people.services import CHANGED, PERSONAL_FIELDS


def masked_changes(form: ModelForm, *, change: bool) -> dict[str, dict[str, Any]]:
    """Before/after of the form's changed fields; personal values become "<changed>"."""
    changes = {}
    for name in form.changed_data:
        before = _plain(form.initial.get(name)) if change else None
        after = _plain(form.cleaned_data.get(name))
        if name in PERSONAL_FIELDS:
            before, after = (CHANGED if before not in (None, "") else before), (CHANGED if after else after)
        changes[name] = {"before": before, "after": after}
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class ContactPointForm(forms.ModelForm):
    class Meta:
        model = ContactPoint
        fields = ["kind", "value", "is_primary", "verified_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value:
            try:
                cleaned["value"] = normalise_contact(kind, value)
            except DomainValidationError as exc:
                self.add_error("value", exc.message)
        return cleaned


class ContactPointFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        primaries: set[str] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("is_primary"):
                continue
            if data.get("kind") in primaries:
                raise forms.ValidationError("Mark at most one email and one phone as primary.")
            primaries.add(data.get("kind"))


class ContactPointInline(admin.TabularInline):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm(request.user, "person.view")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm(request.user, "person.update")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm(request.user, "person.update")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm(request.user, "person.update")

    model = ContactPoint
    form = ContactPointForm
    formset = ContactPointFormSet
    extra = 0
    fields = ["kind", "value", "is_primary", "verified_at", "created_at"]
    readonly_fields = ["created_at"]


class ConsentInline(admin.TabularInline):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm(request.user, "person.view")

    """Consent is append-only history, recorded through `consent_record`: shown, never edited here."""

    model = Consent
    extra = 0
    fields = ["purpose", "given", "method", "recorded_at", "recorded_by", "note"]
    readonly_fields = fields
    ordering = ["-recorded_at", "-id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(PermissionMapAdminMixin, AuditedAdmin):
    view_action = "person.view"
    change_action = "person.update"
    add_action = "person.create"

    list_display = ["__str__", "display_name", "preferred_language", "preferred_channel", "is_active", "created_at"]
    list_filter = ["preferred_language", "preferred_channel", "is_active"]
    search_fields = ["given_name", "family_name", "=contact_points__value"]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ["is_active", "merged_into", "merged_at", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("given_name", "family_name")}),
        ("Preferences", {"fields": ("preferred_language", "preferred_channel")}),
        ("Record", {"fields": ("is_active", "merged_into", "merged_at", "created_at", "updated_at")}),
    )
    inlines = [ContactPointInline, ConsentInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # erasure goes through the privacy tools, merging through person_merge

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        """Also find a person by their email or phone typed in any format (matched normalised)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        contact = guess_contact(search_term.strip()) if search_term.strip() else None
        if contact is not None:
            kind, value = contact
            owners = ContactPoint.objects.filter(kind=kind, value=value).values("person_id")
            results = results | queryset.filter(pk__in=owners)
        return results, may_have_duplicates

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            person = self.get_object(request, unquote(object_id))
            if person is not None:
                access_record(actor=request.user, person_id=person.pk, purpose="admin", what="person", via="admin")
        return response

    def save_model(self, request: HttpRequest, obj: Person, form: ModelForm, change: bool) -> None:
        # Not AuditedAdmin.save_model: it would copy names into the audit trail.
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin:person:{'change' if change else 'create'}",
            obj=obj,
            person_id=obj.pk,
            changes=masked_changes(form, change=change),
        )

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:
        if formset.model is not ContactPoint:
            super().save_formset(request, form, formset, change)
            return
        instances = formset.save(commit=False)
        for point in formset.deleted_objects:
            self._audit_point(request, point, "delete", {"value": {"before": CHANGED, "after": None}})
            point.delete()
        # Demotions before promotions: at most one primary per kind at every moment.
        for point in sorted(instances, key=lambda p: p.is_primary):
            is_new = point.pk is None
            point.save()
            point_form = next(f for f in formset.forms if f.instance is point)
            self._audit_point(
                request, point, "create" if is_new else "change", masked_changes(point_form, change=not is_new)
            )

    def _audit_point(self, request: HttpRequest, point: ContactPoint, verb: str, changes: dict[str, Any]) -> None:
        audit_record(
            actor=request.user,
            action=f"admin:contactpoint:{verb}",
            obj=point,
            person_id=point.person_id,
            changes=changes,
            context={"kind": point.kind},
        )
