from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The use cases that span the apps, and the pages and API built on them."""

    name = "desk"
