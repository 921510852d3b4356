from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civitas.catalog"
    label = "catalog"
    verbose_name = "Service catalogue"

    def ready(self) -> None:
        self._watch_catalogue_changes()

    def _watch_catalogue_changes(self) -> None:
        """Bump the catalogue version whenever a row behind a cached definition changes.

        This is cache invalidation, not domain flow: it runs in the writer's transaction
        whatever wrote the row (service, admin, import), so it cannot be forgotten.
        """
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from civitas.accounts.models import Department, Team
        from civitas.catalog.definitions import bump_catalog_version
        from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType

        for model in (ServiceGroup, ServiceType, ServiceAttribute, AttributeValue, Department, Team):
            post_save.connect(bump_catalog_version, sender=model, dispatch_uid=f"catalog-version-save-{model.__name__}")
            post_delete.connect(
                bump_catalog_version, sender=model, dispatch_uid=f"catalog-version-delete-{model.__name__}"
            )
        m2m_changed.connect(
            bump_catalog_version, sender=ServiceType.extra_groups.through, dispatch_uid="catalog-version-groups"
        )
