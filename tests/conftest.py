import pytest

from sla.calendars import standard_calendars_ensure
from supportdesk.celery import app as celery_app
from tests.factories import load_policies


@pytest.fixture
def policies(db):
    """The three versions of the terms, loaded from the shipped data files."""
    load_policies()


@pytest.fixture
def calendars(db):
    """The standard support calendars. A migration writes them, but a transactional test
    empties every table when it ends, so tests that follow one put them back."""
    standard_calendars_ensure()


@pytest.fixture
def eager_celery():
    """Tasks run in this process as soon as they are queued; put back afterwards.

    The values are read before anything changes: Celery loads its configuration lazily, so
    reading after a settings override would save (and later restore) the override.
    """
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved
