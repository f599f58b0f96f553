"""The desk's WSGI application, plus a reference floor at ``/_floor/``.

gunicorn --pythonpath bench floor_wsgi:application

``/_floor/`` is answered by a bare Django handler: no middleware at all, a URLconf with one
function view returning a small JSON body. It is what Django itself costs in the same
gunicorn processes, with the same settings, as the desk; ``bench/scale.py`` compares every
page and API call with it. Every other request goes to ``supportdesk.wsgi.application``
unchanged.
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import JsonResponse
from django.urls import path

from supportdesk.wsgi import application as desk

FLOOR_PATH = "/_floor/"


def floor(request):
    return JsonResponse({"floor": True})


urlpatterns = [path(FLOOR_PATH.strip("/") + "/", floor)]


class FloorHandler(WSGIHandler):
    """Django's request handling with an empty middleware chain and this module's URLconf."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def get_response(self, request):
        request.urlconf = __name__
        return super().get_response(request)


bare = FloorHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == FLOOR_PATH:
        return bare(environ, start_response)
    return desk(environ, start_response)
