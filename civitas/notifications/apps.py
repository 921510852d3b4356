from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civitas.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from civitas.notifications import handlers

        handlers.register_all()
