from django_tasks import task

from civitas.audit.services import checkpoint_write


@task()
def write_checkpoint() -> int | None:
    """Sign the head of the audit chain (run by the scheduler every AUDIT_CHECKPOINT_MINUTES)."""
    checkpoint = checkpoint_write()
    return checkpoint.seq if checkpoint else None
