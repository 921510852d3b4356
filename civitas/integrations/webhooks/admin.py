"""Webhook subscriptions and their delivery log in the admin (imported by civitas/integrations/admin.py).

Access follows the permission map (`integrations.manage`): organisation-wide managers see every subscription,
department managers their own. Writes go through the audited services in `webhooks.subscriptions`; the secret
is shown in full once (after creating or rotating it), masked afterwards. The delivery log is read-only.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civitas.accounts.admin_access import PermissionMapAdminMixin
from civitas.accounts.models import Department
from civitas.accounts.permissions import ALL, departments_for
from civitas.core.errors import DomainError
from civitas.integrations.models import WebhookDelivery, WebhookSubscription
from civitas.integrations.webhooks.subscriptions import (
    EVENTS,
    MANAGE,
    clean_events,
    clean_name,
    clean_secret,
    clean_url,
    masked,
    may_manage,
    webhook_ping,
    webhook_subscription_create,
    webhook_subscription_disable,
    webhook_subscription_enable,
    webhook_subscription_rotate_secret,
    webhook_subscription_update,
)


def _domain(check: Any, value: Any) -> Any:
    try:
        return check(value)
    except DomainError as error:
        raise forms.ValidationError(error.message) from error


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(name, f"{name} — {text}") for name, text in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        max_length=128,
        help_text=_("Leave blank to generate one. It is shown once, then masked."),
    )
    actor: Any = None

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "departments", "secret"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = departments_for(self.actor, MANAGE)
        departments = Department.objects.filter(is_active=True)
        field = cast(forms.ModelMultipleChoiceField, self.fields["departments"])
        field.queryset = departments if allowed is ALL else departments.filter(pk__in=allowed)
        if self.instance.pk:
            self.fields.pop("secret")
        else:
            self.initial["secret"] = ""

    def clean_name(self) -> str:
        return str(_domain(clean_name, self.cleaned_data.get("name", "")))

    def clean_url(self) -> str:
        return str(_domain(clean_url, self.cleaned_data.get("url", "")))

    def clean_events(self) -> list[str]:
        return list(_domain(clean_events, self.cleaned_data.get("events") or []))

    def clean_secret(self) -> str:
        return str(_domain(clean_secret, self.cleaned_data.get("secret", "")))

    def clean_departments(self) -> Any:
        chosen = self.cleaned_data.get("departments")
        if not chosen and departments_for(self.actor, MANAGE) is not ALL:
            raise forms.ValidationError(_("Choose the departments whose cases are sent."))
        return chosen


class WebhookSubscriptionAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    view_action = MANAGE
    change_action = MANAGE
    add_action = MANAGE
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "owner", "is_active", "consecutive_failures", "disabled_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    list_select_related = ["owner"]
    readonly_fields = [
        "owner",
        "secret_masked",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "delivery_log",
    ]
    actions = ["send_ping", "reenable", "disable", "rotate_secret"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return qs if departments_for(request.user, MANAGE) is ALL else qs.filter(owner=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        assert isinstance(obj, WebhookSubscription)
        return may_manage(request.user, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None:
            return ["name", "url", "events", "departments", "secret"]
        return ["name", "url", "events", "departments", *self.readonly_fields]

    @admin.display(description=_("secret"))
    def secret_masked(self, obj: WebhookSubscription) -> str:
        return masked(obj.secret)

    @admin.display(description=_("delivery log"))
    def delivery_log(self, obj: WebhookSubscription) -> str:
        url = reverse("admin:integrations_webhookdelivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Deliveries of this subscription"))

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        """Through the audited services (which also set the departments)."""
        data = form.cleaned_data
        department_ids = [d.pk for d in data["departments"]]
        if change:
            saved = webhook_subscription_update(
                actor=request.user,
                subscription_id=obj.pk,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                department_ids=department_ids,
            )
        else:
            saved = webhook_subscription_create(
                actor=request.user,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                department_ids=department_ids,
                secret=data["secret"],
            )
            self._show_secret(request, saved)
        obj.pk, obj.owner, obj.created_at = saved.pk, saved.owner, saved.created_at

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """The services set the departments; nothing else is related."""

    def _show_secret(self, request: HttpRequest, subscription: WebhookSubscription) -> None:
        messages.warning(
            request,
            _("The signing secret is %(secret)s — copy it now: it is shown only this once.")
            % {"secret": subscription.secret},
        )

    def _each(self, request: HttpRequest, queryset: QuerySet[Any], service: Any, done: str, **kwargs: Any) -> None:
        count = 0
        for subscription in queryset:
            service(actor=request.user, subscription_id=subscription.pk, **kwargs)
            count += 1
        self.message_user(request, done % {"count": count}, level=messages.SUCCESS)

    @admin.action(description=_("Send a test ping"))
    def send_ping(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._each(request, queryset, webhook_ping, str(_("Ping queued for %(count)d subscription(s).")))

    @admin.action(description=_("Re-enable"))
    def reenable(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._each(request, queryset, webhook_subscription_enable, str(_("%(count)d subscription(s) enabled.")))

    @admin.action(description=_("Disable"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        reason = f"Disabled by {request.user}."
        text = str(_("%(count)d subscription(s) disabled."))
        self._each(request, queryset, webhook_subscription_disable, text, reason=reason)

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for subscription in queryset:
            rotated = webhook_subscription_rotate_secret(actor=request.user, subscription_id=subscription.pk)
            self._show_secret(request, rotated)


class WebhookDeliveryAdmin(PermissionMapAdminMixin, admin.ModelAdmin):
    """The delivery log: read-only."""

    view_action = MANAGE
    list_display = [
        "created_at",
        "subscription",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_latency_ms",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", ("subscription", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["event_id", "subscription__name"]
    list_select_related = ["subscription"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "subscription",
        "event",
        "event_id",
        "status",
        "attempts",
        "last_status_code",
        "last_latency_ms",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if departments_for(request.user, MANAGE) is ALL:
            return qs
        return qs.filter(subscription__owner=request.user)


def register(site: admin.AdminSite) -> None:
    site.register(WebhookSubscription, WebhookSubscriptionAdmin)
    site.register(WebhookDelivery, WebhookDeliveryAdmin)
