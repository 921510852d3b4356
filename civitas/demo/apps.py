from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "civitas.demo"
    label = "demo"
    verbose_name = "Demo data"
