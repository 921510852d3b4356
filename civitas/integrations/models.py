"""Integrations: API keys, idempotent API writes, Open311 batch tokens, webhooks and sensor intake.

Keys and tokens are stored as SHA-256 digests of high-entropy random secrets (the secret is shown once);
webhook secrets are kept as given because the worker signs every delivery with them. Rows carry ids,
never a resident's personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeyKind(models.TextChoices):
    APPLICATION = "application", _("Application key")
    PERSONAL = "personal", _("Personal access token")


class ApiKey(models.Model):
    """A secret that lets a program call the APIs.

    A personal access token acts as its owner. An application key acts as its owner too (the member of staff
    responsible for the application), narrowed by the key's scope; its Open311 and sensor calls are made
    for the public (`actor=None`), as a resident's report through a third-party app is.
    """

    kind = models.CharField(_("kind"), max_length=12, choices=KeyKind.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is for, e.g. the app's name."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_keys", verbose_name=_("owner")
    )
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("The key's first characters, to tell it apart."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_write = models.BooleanField(_("may write"), default=False, help_text=_("Read-only when unticked."))
    departments = models.ManyToManyField(  # type: ignore[var-annotated]
        "accounts.Department",
        blank=True,
        related_name="+",
        verbose_name=_("departments"),
        help_text=_("Limit the key to these departments (empty: every department its owner may act in)."),
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"), null=True, blank=True, help_text=_("Empty: the API_RATE_LIMIT setting.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an `Idempotency-Key`; a retry with the same key gets it again."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty while the first runs.")
    response_body = models.BinaryField(blank=True, default=b"")
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_per_api_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key[:20]})"


class Open311Token(models.Model):
    """Returned by POST requests for batch services; GET tokens/{token} gives the request id it became."""

    token = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Open311 token {self.token[:8]}…"


class WebhookSubscription(models.Model):
    """A URL told about case events, each delivery signed with the subscription's secret."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_subscriptions")
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text=_("Event names, e.g. case.created."))
    secret = models.CharField(_("secret"), max_length=128, help_text=_("Signs every delivery (HMAC-SHA256)."))
    departments = models.ManyToManyField(  # type: ignore[var-annotated]
        "accounts.Department",
        blank=True,
        related_name="+",
        verbose_name=_("departments"),
        help_text=_("Only cases of these departments (empty: every department its owner may view)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscription")

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one subscription; the delivery log."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    event_id = models.CharField(max_length=64, help_text="Unique per event; receivers use it to drop repeats.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once_per_event")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due_idx", condition=Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"


class SensorMapping(models.Model):
    """Which service type a sensor's condition opens (e.g. `bin_full` → Overflowing litter bin)."""

    condition = models.SlugField(_("condition"), max_length=60, unique=True)
    service_type = models.ForeignKey(
        "catalog.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service type")
    )
    priority = models.CharField(_("priority"), max_length=8, blank=True, help_text=_("Empty: the type's default."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["condition"]
        verbose_name = _("sensor mapping")

    def __str__(self) -> str:
        return self.condition


class SensorEvent(models.Model):
    """One reading received; `case` is the case it opened or was appended to."""

    api_key = models.ForeignKey(ApiKey, null=True, on_delete=models.SET_NULL, related_name="+")
    device_id = models.CharField(max_length=100)
    condition = models.CharField(max_length=60)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    opened_case = models.BooleanField(default=False)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    asset_ref = models.CharField(max_length=100, blank=True)
    reading = models.JSONField(default=dict, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["device_id", "condition", "-received_at"], name="sensor_event_device_idx")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.condition}"
