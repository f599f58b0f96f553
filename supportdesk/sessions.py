"""Sessions read from the cache and written through to the database: Django's
``cached_db`` engine, with each cached copy kept for at most ``CACHE_SECONDS``.

A signed-in request then reads its session from Redis instead of querying the database.
The cap bounds what a lost cache write can cost: the shared cache drops writes while Redis
is unreachable (``supportdesk.cache``), so a sign-out in that moment deletes the session
from the database but may leave its cached copy behind. That copy then works for at most
``CACHE_SECONDS`` more, not for the rest of the session's life. A session missing from the
cache is read from the database and cached again.
"""

from django.contrib.sessions.backends import cached_db

CACHE_SECONDS = 300


class _CappedCache:
    """The cache of the sessions, keeping each entry at most ``CACHE_SECONDS``."""

    def __init__(self, cache) -> None:
        self._cache = cache

    def __getattr__(self, name):
        return getattr(self._cache, name)  # get, delete and the rest: the cache's own

    def __contains__(self, key) -> bool:
        return key in self._cache

    @staticmethod
    def _capped(timeout) -> int:
        return CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)

    def set(self, key, value, timeout=None, version=None) -> None:
        self._cache.set(key, value, self._capped(timeout), version)

    async def aset(self, key, value, timeout=None, version=None) -> None:
        await self._cache.aset(key, value, self._capped(timeout), version)


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = "supportdesk.session."

    def __init__(self, session_key=None) -> None:
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache)
