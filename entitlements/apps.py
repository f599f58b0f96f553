from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "entitlements"
    verbose_name = "Entitlements: purchases, support hours, contracts, reseller status"

    def ready(self) -> None:
        from entitlements import timeline  # noqa: F401
