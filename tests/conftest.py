import uuid
from unittest import mock

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings

from partners.models import Organisation
from partners.roles import Role
from sla.calendars import standard_calendars_ensure
from supportdesk.celery import app as celery_app
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.policy_rows import PolicyRows
from tests.services import (  # noqa: F401 (fixtures for the tests that start services)
    broker,
    desk_on_redis,
    key_prefix,
    mailbox,
    private_redis,
    redis_url,
    start_worker,
    worker_database_url,
)

_policy_rows = PolicyRows()
# The module whose tests are inside a ``module_db`` transaction right now, if any.
_module_db_open: list[str] = []


@pytest.fixture
def policies(db):
    """The three versions of the terms, loaded from the shipped data files (the first time;
    after that the same rows are written back at once, see tests/policy_rows.py)."""
    _policy_rows.load()


@pytest.fixture
def calendars(db):
    """The standard support calendars. A migration writes them, but a transactional test
    empties every table when it ends, so tests that follow one put them back."""
    standard_calendars_ensure()


@pytest.fixture
def media_root(settings, tmp_path):
    """Files written during the test go to a directory of its own, not to the project's media
    or another test's. A module that shares rows through ``module_db`` has one for the whole
    module instead, where the shared rows' files are."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def partner(policies):
    """A user of a gold-tier partner in the EU region. A module whose cases need a particular
    organisation or person defines a ``partner`` of its own."""
    organisation = OrganisationFactory(tier=Organisation.Tier.GOLD, region=Organisation.Region.EU)
    return UserFactory(organisation=organisation)


@pytest.fixture
def agent(policies):
    """A support agent of the vendor."""
    return StaffFactory(roles=[Role.AGENT], full_name="Sofia Marino", time_zone="UTC")


@pytest.fixture
def noc(policies):
    """A NOC engineer of the vendor."""
    return StaffFactory(roles=[Role.NOC], full_name="Ravi Menon", time_zone="UTC")


@pytest.fixture(scope="module")
def module_db(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """One transaction around a whole module, for rows that are costly to write and that its
    tests share (the demo installation): a module-scoped fixture that takes ``module_db``
    writes them once, inside ``django_db_blocker.unblock()``.

    Each test's own transaction is a savepoint within this one, so every test starts from
    the shared rows exactly as they were written, whatever the test before it changed. They
    are rolled back after the module's last test. While the transaction is open every test
    of the module must use it, and none may be transactional (see ``pytest_runtest_setup``).

    What the rows depend on is set for the whole module, as conftest.py sets it for each
    test: fast password hashing, a cache of its own, and a MEDIA_ROOT of its own.
    """
    overrides = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"module-{uuid.uuid4()}",
            }
        },
    )
    overrides.enable()
    # The end of a request closes a connection it finds inside a transaction, and this one
    # would go with it. The test client already holds that back around each request, but
    # not when a test closes a response itself.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    keeping = mock.patch("django.test.client.close_old_connections", _keep_connections)
    keeping.start()
    with django_db_blocker.unblock():
        shared = transaction.atomic()
        shared.__enter__()
    _module_db_open.append(request.module.__name__)
    try:
        yield
    finally:
        _module_db_open.clear()
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            shared.__exit__(None, None, None)
        keeping.stop()
        for signal in (request_started, request_finished):
            signal.disconnect(_keep_connections)
            signal.connect(close_old_connections)
        overrides.disable()


def _keep_connections(**kwargs) -> None:
    """``close_old_connections`` while a ``module_db`` transaction is open."""


# Tests that start real processes (workers, servers) or break shared servers on purpose.
ONE_AT_A_TIME = ("integration", "fault")


def pytest_collection_modifyitems(config, items):
    """How ``make test`` (pytest-xdist, ``--dist loadgroup``) shares the tests out: a module
    runs in one worker, so a module-scoped fixture (``module_db``) is set up once, and the
    tests in ``ONE_AT_A_TIME`` all run in one worker, one after another, so two of them never
    compete for the machine or for the Redis and PostgreSQL servers they use."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        one_at_a_time = any(mark in item.keywords for mark in ONE_AT_A_TIME)
        group = "one-at-a-time" if one_at_a_time else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server", "django_db_reset_sequences"} & set(item.fixturenames)
        or (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    )


def pytest_runtest_setup(item):
    """A test that does not ask for ``module_db`` would see the module's shared rows, and a
    transactional one would end their transaction: both are mistakes in the module."""
    if "module_db" in item.fixturenames and _transactional(item):
        pytest.fail("a transactional test cannot use module_db", pytrace=False)
    if _module_db_open and "module_db" not in item.fixturenames:
        pytest.fail(
            f"{_module_db_open[0]} shares rows through module_db, so each of its tests must use "
            "it (or move this test to a module of its own)",
            pytrace=False,
        )


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
