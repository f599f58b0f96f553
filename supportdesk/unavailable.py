"""While the database is unreachable (restarting, failing over), every request gets a plain
"503, try again shortly" answer instead of a server error: an HTML page of our own, or JSON
under ``/api/``, with a ``Retry-After`` header.

Two ways in, because a database error can surface anywhere in a request: the middleware
catches what a view raises; ``server_error`` (the project's ``handler500``) catches what the
other middleware raise, such as loading the session or the signed-in user. Neither touches
the database, and both leave reconnecting to Django: with ``CONN_HEALTH_CHECKS`` the next
request after the outage opens a fresh connection.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

from core.api import handlers

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
MESSAGE = "The support desk is briefly unavailable. Please try again in a minute."


def service_unavailable(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        # Rendered without the request: the context processors would query the database.
        html = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("Database unavailable for %s: %s", request.path, exception)
            return service_unavailable(request)
        return None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return service_unavailable(request)
    return handlers.server_error(request, template_name)
