from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners, users and support policy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from partners import roles, signals

        post_migrate.connect(roles.sync_role_groups_after_migrate)
        post_migrate.connect(signals.policy_forget_after_migrate, sender=self)
