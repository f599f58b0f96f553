from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners, users and support policy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from partners import roles

        post_migrate.connect(roles.sync_role_groups_after_migrate)
