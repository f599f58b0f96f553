from django.apps import AppConfig


class HwaasConfig(AppConfig):
    name = "hwaas"
    verbose_name = "HWaaS and CAPEX devices"

    def ready(self) -> None:
        from hwaas import timeline  # noqa: F401
