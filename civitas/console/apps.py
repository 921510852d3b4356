from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "civitas.console"
    label = "console"
    verbose_name = "Staff console"
