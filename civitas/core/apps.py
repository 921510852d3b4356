from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civitas.core"
    label = "core"
    verbose_name = "Civitas core"

    def ready(self) -> None:
        from datetime import timedelta

        from civitas.core import (
            checks,  # noqa: F401  (registers system checks)
            scheduler,
        )

        scheduler.register(
            "tasks.prune_finished", every=timedelta(days=1), task_path="civitas.core.tasks.prune_finished_tasks"
        )
