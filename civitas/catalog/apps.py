from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civitas.catalog"
    label = "catalog"
    verbose_name = "Service catalogue"
