"""Choice lists shared by several domain apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PHONE = "phone", _("Phone")
    OPEN311 = "open311", _("Open311 API")
    API = "api", _("REST API")
    SENSOR = "sensor", _("Sensor")
    STAFF = "staff", _("Staff")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"
