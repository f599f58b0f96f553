from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA clocks and NOC"

    def ready(self) -> None:
        from sla import signals, timeline  # noqa: F401

        post_migrate.connect(standard_calendars_after_migrate, sender=self)


def standard_calendars_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """A migration writes the standard support calendars; a database emptied since
    (``flush``, which sends this signal too) gets them back, so that opening a case never
    finds its calendar missing. Calendars on record are left as they are."""
    from sla.calendars import standard_calendars_ensure
    from sla.models import Calendar

    if Calendar._meta.db_table in connections[using].introspection.table_names():
        standard_calendars_ensure()
