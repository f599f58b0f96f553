from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA clocks and NOC"

    def ready(self) -> None:
        from sla import signals, timeline  # noqa: F401
