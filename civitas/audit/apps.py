from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings


class AuditConfig(AppConfig):
    name = "civitas.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from civitas.core import scheduler

        scheduler.register(
            "audit.checkpoint",
            every=timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES),
            task_path="civitas.audit.tasks.write_checkpoint",
        )
