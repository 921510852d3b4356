from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "civitas.api"
    label = "api"
    verbose_name = "APIs (Open311 GeoReport v2, REST v1)"
