"""Django's own error answers for addresses under ``/api/``.

An API view answers its errors itself (``core.api.errors``), but some never reach a view:
an address no route matches, a request Django refuses before routing it, a crash outside
DRF's reach. Django answers those with HTML pages; under ``/api/`` these handlers answer
them the way the API answers every error, ``{"detail": "…"}`` as JSON, and leave every
other address to Django's pages.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"

BAD_REQUEST = "Bad request."
FORBIDDEN = "You do not have permission to perform this action."
NOT_FOUND = "Not found."
SERVER_ERROR = "A server error occurred."


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error(message: str, *, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if is_api(request):
        return error(BAD_REQUEST, status=400)
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if is_api(request):
        return error(FORBIDDEN, status=403)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if is_api(request):
        return error(NOT_FOUND, status=404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    if is_api(request):
        return error(SERVER_ERROR, status=500)
    return defaults.server_error(request, template_name)
