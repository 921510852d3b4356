from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from civitas.accounts.models import Department, Membership, Team, User
from civitas.audit.admin_mixins import AuditedAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["department", "team"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__role", "memberships__department"]
    search_fields = ["email", "display_name", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("display_name", "first_name", "last_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ("name",)}
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "department", "code", "is_active"]
    list_filter = ["department", "is_active"]
    search_fields = ["name", "code", "department__name"]
    autocomplete_fields = ["department"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "department", "team"]
    list_filter = ["role", "department"]
    search_fields = ["user__email", "user__display_name"]
    autocomplete_fields = ["user", "department", "team"]
