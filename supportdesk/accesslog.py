"""gunicorn's access log, naming the client as the desk's limits count it.

gunicorn writes the connection's address (``%(h)s``); behind a reverse proxy that is the
proxy. This logger writes ``core.client_address``'s answer instead, which believes
``X-Forwarded-For`` only as far as ``PROXY_COUNT`` says: a client cannot put a made-up
address into the log any more than into a rate limit. The Dockerfile's command selects it
(``--logger-class supportdesk.accesslog.AccessLogger``).
"""

from django.conf import settings
from gunicorn.glogging import Logger

from core.client_address import address_from


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = address_from(environ, settings.PROXY_COUNT) or "-"
        return atoms
