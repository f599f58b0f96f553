"""The kernel as a Django app: it holds the ``desk`` template library and registers the
``<id:…>`` path converter."""

from django.apps import AppConfig

# Imported for its side effect: URL patterns that use ``<id:…>`` are compiled as their
# modules load, which may happen before any app is ready.
import core.converters  # noqa: F401


class CoreConfig(AppConfig):
    """Plumbing no app owns: API errors, converters, formatting, forms, CSV, the task
    decorator. It imports no app of the project."""

    name = "core"
    label = "core"
