from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Call-centre agent")
    CASEWORKER = "caseworker", _("Caseworker")
    FIELD_CREW = "field_crew", _("Field crew")
    SUPERVISOR = "supervisor", _("Supervisor")
    DEPARTMENT_ADMIN = "department_admin", _("Department administrator")
    AUDITOR = "auditor", _("Auditor")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
