"""Django's PostgreSQL backend, with a health check of persistent connections that needs no
round trip to the server.

With ``CONN_HEALTH_CHECKS``, Django checks a persistent connection before the first query
of each request, and its PostgreSQL backend does so with ``SELECT 1``: a round trip that
every request pays, the cheapest ones included. A connection the server has closed while
it sat idle (a restart, a terminated backend, a dropped proxy) has something to read: the
server's farewell, or the end of the stream. A healthy idle connection has nothing. So the
check looks whether the socket is readable, without waiting, and only then asks the server;
Django closes a connection that fails and opens a fresh one for the request.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if self.in_atomic_block or connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()  # not idle: only the server can tell
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return super().is_usable() if readable else True
