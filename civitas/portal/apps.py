from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "civitas.portal"
    label = "portal"
    verbose_name = "Resident portal"
