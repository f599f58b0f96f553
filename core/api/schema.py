"""The OpenAPI schema documents the error answers every operation can give, not only the
ones a view names itself: what authentication, permissions, throttling, lookups and cursor
pagination answer is decided by the view's classes, so it is read from them."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny

from core.api.errors import FIELD_ERRORS, ErrorSerializer

ERRORS = {
    "400": FIELD_ERRORS,
    "401": OpenApiResponse(ErrorSerializer, description="Not authenticated."),
    "403": OpenApiResponse(ErrorSerializer, description="Your role has no access here."),
    "404": OpenApiResponse(ErrorSerializer, description="No such object, or not yours."),
    "429": OpenApiResponse(ErrorSerializer, description="Too many requests; try again later."),
}


class DeskAutoSchema(AutoSchema):
    def _resolve_path_parameters(self, variables):
        """An ``<int:…>`` part of an address is digits only: a negative number never reaches
        the view (the URL conf answers 404), so the schema does not offer one."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"].get("type") == "integer":
                parameter["schema"] = {**parameter["schema"], "minimum": 0}
        return parameters

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(ERRORS[code], code, None, direction)
        return bodies

    def _error_codes(self) -> list[str]:
        view = self.view
        codes = []
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        guarded = any(not isinstance(p, AllowAny) for p in view.get_permissions())
        if guarded and view.get_authenticators():
            codes += ["401", "403"]
        paginator = getattr(view, "paginator", None) if self._is_list_view() else None
        if "{" in self.path or isinstance(paginator, CursorPagination):
            codes.append("404")  # a missing object, or a cursor that was not ours
        if view.get_throttles():
            codes.append("429")
        return codes
