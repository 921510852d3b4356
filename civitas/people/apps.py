from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civitas.people"
    label = "people"
    verbose_name = "People"
