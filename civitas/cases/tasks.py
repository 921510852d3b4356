from django_tasks import task

from civitas.cases.handlers import rebuild_all_daily_stats


@task()
def rebuild_daily_stats() -> int:
    """Rebuild the whole opened/closed rollup (after a bulk import); returns rows written."""
    return rebuild_all_daily_stats()
