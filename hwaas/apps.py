from django.apps import AppConfig


class HwaasConfig(AppConfig):
    name = "hwaas"
    verbose_name = "HWaaS and CAPEX devices"
