"""What every request pays before its view runs: the session (from the cache), the
signed-in user (one query), the database connection's health check (no round trip while
the connection is idle and sound) and the cache client (built once)."""

import os
import select
import threading
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, connections
from django.urls import reverse

from supportdesk import sessions
from supportdesk.cache import DegradingRedisCache
from supportdesk.postgresql.base import DatabaseWrapper
from tests.factories import UserFactory
from tests.services import need

pytestmark = pytest.mark.django_db

ME_URL = "/api/me/"


# --- Sessions ------------------------------------------------------------------------------


def test_a_signed_in_request_reads_its_session_from_the_cache(client, django_assert_num_queries):
    client.force_login(UserFactory())
    client.get(ME_URL)

    with django_assert_num_queries(1):  # the user, not the session
        assert client.get(ME_URL).status_code == 200


def test_a_session_outlives_an_emptied_cache(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    cache.clear()

    with django_assert_num_queries(2):  # the session from the database, then the user
        assert client.get(ME_URL).json()["email"] == user.email
    with django_assert_num_queries(1):  # and it is cached again
        assert client.get(ME_URL).status_code == 200


def test_signing_out_ends_the_session_in_the_cache_and_the_database(client):
    client.force_login(UserFactory())
    client.get(ME_URL)
    key = client.session.session_key
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert client.get(ME_URL).status_code in (401, 403)


class RecordingCache:
    def __init__(self) -> None:
        self.timeouts: list = []

    def set(self, key, value, timeout=None, version=None) -> None:
        self.timeouts.append(timeout)


@pytest.mark.parametrize(
    ("asked", "kept"),
    [(1209600, sessions.CACHE_SECONDS), (None, sessions.CACHE_SECONDS), (30, 30), (0, 0)],
)
def test_a_cached_session_is_kept_at_most_a_few_minutes(asked, kept):
    """A sign-out whose cache write was lost (Redis unreachable for that moment) leaves a
    cached copy that works for at most this long, not for the session's two weeks."""
    recording = RecordingCache()

    sessions._CappedCache(recording).set("key", {}, asked)

    assert recording.timeouts == [kept]


def test_sessions_are_saved_in_the_database_too():
    store = sessions.SessionStore()
    store["answer"] = 42
    store.create()
    cache.clear()

    assert sessions.SessionStore(store.session_key)["answer"] == 42


# --- The database connection's health check ------------------------------------------------


@pytest.fixture
def other_connection():
    need(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")
    other = connections.create_connection("default")
    assert isinstance(other, DatabaseWrapper)
    other.ensure_connection()
    yield other
    other.close()


@pytest.fixture
def server_checks(monkeypatch):
    """The times the check asked the server (Django's own ``SELECT 1``)."""
    asked = []
    original = DatabaseWrapper.__mro__[1].is_usable

    def counted(self):
        asked.append(self)
        return original(self)

    monkeypatch.setattr(DatabaseWrapper.__mro__[1], "is_usable", counted)
    return asked


def test_an_idle_sound_connection_is_usable_without_asking_the_server(
    other_connection, server_checks
):
    assert other_connection.is_usable() is True
    assert server_checks == []


def test_a_connection_the_server_closed_is_not_usable(other_connection):
    pid = other_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    socket = other_connection.connection.fileno()
    deadline = time.monotonic() + 5
    while not select.select([socket], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass

    assert other_connection.is_usable() is False


def test_inside_a_transaction_the_server_is_asked(other_connection, server_checks):
    other_connection.set_autocommit(False)
    try:
        with other_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert other_connection.is_usable() is True
    finally:
        other_connection.rollback()
        other_connection.set_autocommit(True)

    assert server_checks == [other_connection]


# --- The cache client ---------------------------------------------------------------------


def test_the_redis_cache_builds_one_client_and_threads_share_it():
    url = os.environ.get("REDIS_URL", "")
    need(bool(url), "needs Redis: set REDIS_URL")
    shared = DegradingRedisCache(url, {"KEY_PREFIX": f"fixed-cost-{os.getpid()}"})
    first = shared._cache.get_client("a")
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                shared.set(f"k{n}-{i}", i)
                assert shared.get(f"k{n}-{i}") == i
        except AssertionError as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert shared._cache.get_client("b", write=True) is first
    shared.delete_many([f"k{n}-{i}" for n in range(4) for i in range(50)])
