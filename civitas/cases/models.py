"""Cases, their timeline, attachments, followers and links."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civitas.cases.states import OPEN_STATUSES, CaseStatus
from civitas.core.choices import Channel, Priority


class Tag(models.Model):
    """A label staff put on cases ("graffiti-hotspot", "council-member"): lower case, no spaces."""

    name = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="uniq_tag_name")]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    # Indexes: each write to a case maintains every one of them, so the foreign keys below that lead
    # a composite index in Meta carry no index of their own, and the unique strings are constraints
    # (on PostgreSQL `unique=True` would add a second, LIKE-pattern index to each).
    reference = models.CharField(max_length=24)
    tracking_token = models.CharField(max_length=64, editable=False)
    service_type = models.ForeignKey(
        "catalog.ServiceType", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        db_index=False,
    )
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    area = models.CharField(max_length=120, blank=True, help_text="Neighbourhood, ward or district.")
    attributes = models.JSONField(default=dict, blank=True)
    requester = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="requested_cases"
    )
    followers = models.ManyToManyField(  # type: ignore[var-annotated]
        "people.Person", through="CaseFollower", related_name="followed_cases", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="cases")  # type: ignore[var-annotated]
    version = models.PositiveIntegerField(default=1)
    source_system = models.CharField(max_length=30, blank=True, help_text="Where an imported case came from.")
    source_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="uniq_case_reference"),
            models.UniqueConstraint(fields=["tracking_token"], name="uniq_case_tracking_token"),
            models.UniqueConstraint(
                fields=["source_system", "source_id"],
                condition=~Q(source_id=""),
                name="uniq_case_source",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | (Q(lat__gte=-90) & Q(lat__lte=90)), name="case_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(long__isnull=True) | (Q(long__gte=-180) & Q(long__lte=180)), name="case_long_range"
            ),
        ]
        indexes = [
            models.Index(
                fields=["department", "resolution_due_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_dept_due_idx",
            ),
            # The "all open" and SLA queues of users who see every department (queues.py).
            models.Index(
                fields=["resolution_due_at", "id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_due_idx",
            ),
            models.Index(fields=["department", "status", "resolution_due_at"], name="case_dept_status_due_idx"),
            models.Index(fields=["team", "status", "resolution_due_at"], name="case_team_status_due_idx"),
            models.Index(fields=["assignee", "status", "resolution_due_at"], name="case_assignee_status_idx"),
            models.Index(fields=["service_type", "created_at"], name="case_type_created_idx"),
            # The portal's duplicate check: open cases of one service type inside a small lat/long box.
            models.Index(
                fields=["service_type", "lat", "long"],
                condition=Q(status__in=sorted(OPEN_STATUSES), lat__isnull=False),
                name="case_open_type_point_idx",
            ),
            models.Index(fields=["created_at", "id"], name="case_created_idx"),
            # Open311 GET requests?status=open (newest first): open cases by creation time.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_created_idx",
            ),
            models.Index(fields=["updated_at", "id"], name="case_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseFollower(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follower_links")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="case_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="uniq_case_follower")]

    def __str__(self) -> str:
        return f"{self.person_id} follows {self.case_id}"


class EntryKind(models.TextChoices):
    PUBLIC_UPDATE = "public_update", _("Public update")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    STATUS_CHANGE = "status_change", _("Status change")
    ASSIGNMENT = "assignment", _("Assignment")
    MESSAGE_IN = "message_in", _("Message received")
    MESSAGE_OUT = "message_out", _("Message sent")
    SYSTEM = "system", _("System action")


class TimelineEntry(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline", db_index=False)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    is_public = models.BooleanField(default=False, help_text="Shown to the resident and on public views.")
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "timeline entries"
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="timeline_case_idx"),
            # The Open311 update feed (servicerequestupdates): public updates and status changes by time.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(is_public=True, kind__in=["public_update", "status_change"]),
                name="timeline_public_update_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Storage path that never contains the uploaded name (it may hold personal data)."""
    day = timezone.now()
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"attachments/{day:%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    entry = models.ForeignKey(
        TimelineEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_public = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", _("Duplicate of")
    RELATED = "related", _("Related to")


class CaseLink(models.Model):
    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case", "kind"], name="uniq_case_link"),
            models.CheckConstraint(condition=~Q(from_case=models.F("to_case")), name="case_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} {self.kind} {self.to_case_id}"


class CaseDailyStat(models.Model):
    """Cases opened and closed per day and service type: an incremental rollup for dashboards.

    Recomputed for one (day, service type) by an idempotent event handler, never by a scan of all cases.
    """

    day = models.DateField()
    service_type = models.ForeignKey("catalog.ServiceType", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    opened = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "service_type"], name="uniq_daily_stat")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_type_id}: +{self.opened} -{self.closed}"


class SavedView(models.Model):
    """A queue with its filters and sort, saved by a member of staff under a name (theirs only)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    queue = models.CharField(max_length=20)
    params = models.TextField(blank=True, help_text="The filters and sort as a query string.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="uniq_saved_view_name")]

    def __str__(self) -> str:
        return self.name


class SatisfactionResponse(models.Model):
    """A resident's answer after resolution: was it fixed, a 1-5 rating, a comment. One per case.

    The resident may change it for settings.SATISFACTION_EDIT_DAYS after `created_at`.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="satisfaction")
    fixed = models.BooleanField(null=True, blank=True, help_text="Did the resident say the problem was fixed?")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="satisfaction_rating_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="satisfaction_created_idx")]

    def __str__(self) -> str:
        return f"satisfaction of case {self.case_id}"
