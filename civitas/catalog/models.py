"""The service catalogue: groups, service types (Open311 services) and their form attributes.

Open311 GeoReport v2 maps onto these tables as follows:

- a `ServiceType` is an Open311 *service* (`service_code`, `service_name`, `description`, `type`,
  `keywords`, `group`, `metadata`);
- its active `ServiceAttribute` rows form the *service definition* (`attributes`);
- each `AttributeValue` is one entry of a list attribute's `values` (`key`, `name`).

Text shown to residents is translatable (django-modeltranslation, see translation.py): the
descriptors return the active language with a fallback to the default language.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civitas.core.choices import Priority
from civitas.core.models import TimeStampedModel

CODE_PATTERN = r"^[A-Za-z0-9._-]+\Z"
CODE_MAX_LENGTH = 100
VALUE_KEY_MAX_LENGTH = 100
MAX_DUPLICATE_RADIUS_M = 5000
LABEL_MAX_LENGTH = 80  # longer questions are named by their code in error messages

code_validator = RegexValidator(
    CODE_PATTERN,
    _("Use only letters, digits, hyphens (-), underscores (_) and dots (.)."),
    code="invalid_code",
)


class ServiceKind(models.TextChoices):
    """Open311 service `type`: how the service answers a request."""

    REALTIME = "realtime", _("Real time")
    BATCH = "batch", _("Batch")
    BLACKBOX = "blackbox", _("Black box")


class AttributeDatatype(models.TextChoices):
    """The six Open311 attribute datatypes."""

    STRING = "string", _("Short text (one line)")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("Choose one")
    MULTIVALUELIST = "multivaluelist", _("Choose any")

    @classmethod
    def list_types(cls) -> frozenset[str]:
        return frozenset({cls.SINGLEVALUELIST.value, cls.MULTIVALUELIST.value})


class ServiceGroup(TimeStampedModel):
    """A heading of the public catalogue ("Streets", "Trash and recycling")."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.IntegerField(_("order"), default=0, help_text=_("Lower numbers come first."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")

    def __str__(self) -> str:
        return self.name or self.code


class ServiceType(TimeStampedModel):
    """What a resident can ask for — an Open311 service."""

    code = models.CharField(
        _("service code"),
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[code_validator],
        help_text=_("The Open311 service_code. Letters, digits, -, _ and . only."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Comma-separated words and synonyms residents might use.")
    )
    group = models.ForeignKey(
        ServiceGroup, on_delete=models.PROTECT, related_name="service_types", verbose_name=_("group")
    )
    extra_groups = models.ManyToManyField(
        ServiceGroup,
        blank=True,
        related_name="extra_service_types",
        verbose_name=_("also listed under"),
    )
    kind = models.CharField(_("Open311 type"), max_length=16, choices=ServiceKind.choices, default=ServiceKind.REALTIME)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="service_types", verbose_name=_("department")
    )
    default_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_for_service_types",
        verbose_name=_("default team"),
    )
    default_priority = models.CharField(
        _("default priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    response_target_hours = models.PositiveIntegerField(
        _("response target (hours)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    resolution_target_hours = models.PositiveIntegerField(
        _("resolution target (hours)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_private = models.BooleanField(
        _("private"), default=False, help_text=_("Never listed publicly (portal catalogue, Open311 services).")
    )
    is_location_sensitive = models.BooleanField(
        _("location sensitive"), default=False, help_text=_("Public maps show only a coarse grid.")
    )
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"),
        default=50,
        validators=[MaxValueValidator(MAX_DUPLICATE_RADIUS_M)],
        help_text=_("Open requests of this type closer than this are offered as possible duplicates."),
    )
    order = models.IntegerField(_("order"), default=0, help_text=_("Lower numbers come first within a group."))

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        indexes = [models.Index(fields=["is_active", "is_private"], name="servicetype_public_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(response_target_hours__isnull=True) | models.Q(response_target_hours__gt=0),
                name="servicetype_response_target_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_target_hours__isnull=True) | models.Q(resolution_target_hours__gt=0),
                name="servicetype_resolution_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.code} ({self.code})"

    @property
    def has_metadata(self) -> bool:
        """Open311 `metadata`: True when the service has active attributes (a service definition).

        Selectors annotate `has_active_attributes` so lists do not query once per row.
        """
        annotated = getattr(self, "has_active_attributes", None)
        if annotated is not None:
            return bool(annotated)
        return self.attributes.filter(is_active=True).exists()

    @property
    def keyword_list(self) -> list[str]:
        """Keywords of the active language as a list (blank entries dropped)."""
        return [word.strip() for word in (self.keywords or "").split(",") if word.strip()]


class ServiceAttribute(TimeStampedModel):
    """One question of a service's form — an Open311 attribute."""

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="attributes", verbose_name=_("service type")
    )
    code = models.CharField(_("code"), max_length=CODE_MAX_LENGTH, validators=[code_validator])
    datatype = models.CharField(_("datatype"), max_length=20, choices=AttributeDatatype.choices)
    variable = models.BooleanField(
        _("asks for input"),
        default=True,
        help_text=_("Off: the attribute only shows its description to the resident and takes no answer."),
    )
    required = models.BooleanField(_("required"), default=False)
    description = models.TextField(_("question"), help_text=_("The question or instructions shown to the resident."))
    datatype_description = models.CharField(
        _("hint"), max_length=255, blank=True, help_text=_("A hint about the expected answer (format, units).")
    )
    order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        constraints = [
            models.UniqueConstraint(fields=["service_type", "code"], name="uniq_service_attribute_code"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type_id}:{self.code}"

    @property
    def is_list(self) -> bool:
        return self.datatype in AttributeDatatype.list_types()

    @property
    def label(self) -> str:
        """A short name for messages: the question without trailing punctuation, else the code."""
        text = " ".join((self.description or "").split()).rstrip("?:").strip()
        if text and len(text) <= LABEL_MAX_LENGTH:
            return text
        return self.code.replace("_", " ").replace("-", " ").capitalize()


class AttributeValue(TimeStampedModel):
    """One choice of a list attribute (Open311 `values`: key and name)."""

    attribute = models.ForeignKey(
        ServiceAttribute, on_delete=models.CASCADE, related_name="values", verbose_name=_("attribute")
    )
    key = models.CharField(_("key"), max_length=VALUE_KEY_MAX_LENGTH)
    name = models.CharField(_("name"), max_length=200)
    order = models.IntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")
        constraints = [models.UniqueConstraint(fields=["attribute", "key"], name="uniq_attribute_value_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"
