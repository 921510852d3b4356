"""Notifications: one row per message Civitas owes a resident (acknowledgment, update, resolution, sign-in link).

A row is written by an idempotent event handler (or a service) with status `queued`; the delivery task renders
it in the person's language and hands it to the channel's transport. Rows hold ids, never message text, so
erasing a person leaves nothing behind here but counts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civitas.core.choices import Language


class NotificationKind(models.TextChoices):
    ACKNOWLEDGMENT = "acknowledgment", _("Request received")
    PUBLIC_UPDATE = "public_update", _("Update on a request")
    STATUS_CHANGED = "status_changed", _("Status changed")
    RESOLVED = "resolved", _("Request resolved (with satisfaction survey)")
    SIGN_IN_LINK = "sign_in_link", _("Sign-in link")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Notification(models.Model):
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=NotificationChannel.choices)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey("cases.TimelineEntry", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    sign_in_link = models.ForeignKey(
        "people.SignInLink", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, help_text="Never holds personal data.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Handlers may run twice: one notification per (kind, case, person, entry).
            models.UniqueConstraint(
                fields=["kind", "case", "person", "entry"],
                condition=Q(case__isnull=False),
                name="uniq_case_notification",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_status_idx"),
            models.Index(fields=["case", "created_at"], name="notification_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
