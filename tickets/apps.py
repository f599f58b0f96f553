from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from tickets import (
            document_timeline,  # noqa: F401  (declares its wordings)
            signals,  # noqa: F401  (connects its receivers)
        )
