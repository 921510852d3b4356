from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.accounts.auth_services import mfa_reset
from civitas.accounts.models import Department, Membership, Team, User
from civitas.audit.admin_mixins import AuditedAdmin
from civitas.core.errors import PermissionDenied

# TOTP devices change only through the audited services (the stock admin would show their keys).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


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
    actions = ["reset_mfa"]

    @admin.action(description="Reset two-step sign-in (the user sets up a new authenticator app)")
    def reset_mfa(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done, refused = 0, 0
        for user in queryset:
            try:
                mfa_reset(actor=request.user, user=user)
                done += 1
            except PermissionDenied:
                refused += 1
        if done:
            self.message_user(request, f"Two-step sign-in reset for {done} user(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not allowed for {refused} user(s) outside your departments.", messages.ERROR)


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
