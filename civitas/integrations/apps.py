from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "civitas.integrations"
    label = "integrations"
    verbose_name = "Integrations (API keys, webhooks, sensors)"

    def ready(self) -> None:
        from datetime import timedelta

        from civitas.core import scheduler
        from civitas.integrations import handlers

        handlers.register_all()
        scheduler.register(
            "integrations.expire_idempotency",
            every=timedelta(hours=1),
            task_path="civitas.integrations.tasks.expire_idempotency_records",
        )
