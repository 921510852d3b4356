from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "civitas.integrations"
    label = "integrations"
    verbose_name = "Integrations (API keys, webhooks, sensors)"

    def ready(self) -> None:
        from civitas.integrations import handlers

        handlers.register_all()
