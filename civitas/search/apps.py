from django.apps import AppConfig

# Case events after which a case's search document is rebuilt (each handler task takes ids only).
INDEXED_EVENTS = (
    "case.created",
    "case.updated",
    "case.note_added",
    "case.status_changed",
    "case.assigned",
    "case.reopened",
    "case.merged",
)


class SearchConfig(AppConfig):
    name = "civitas.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from civitas.core import events

        for event in INDEXED_EVENTS:
            events.register(event, "civitas.search.handlers.index_case")
