from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civitas.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from civitas.core import events

        for event in ("case.created", "case.status_changed", "case.reopened", "case.merged"):
            events.register(event, "civitas.cases.handlers.refresh_daily_stats")
