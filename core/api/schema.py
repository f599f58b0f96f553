"""The OpenAPI schema documents the error answers every operation can give, not only the
ones a view names itself: what authentication, permissions, throttling, lookups, cursor
pagination, content negotiation and body parsing answer is decided by the view's classes,
so it is read from them.

Every one of those answers is ``{"detail": "…"}`` (``ErrorSerializer``) except a 400 for
invalid fields, which lists them (``FIELD_ERRORS``): any operation may give one, since a
parameter holding a NUL is refused before any view runs (and a list refuses a page size out
of its range, ``core.api.cursor``). An operation that reads a body also
answers 400 with ``{"detail": "…"}`` when the body cannot be read at all (not JSON, nested
too deep: ``core.api.parsers``), and 415 when it comes in a type the operation does not
read. A method an address does not take gets 405 with ``Allow``; no documented operation
gives it, so none declares it.
"""

from django.core.validators import RegexValidator
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
    "406": OpenApiResponse(
        ErrorSerializer, description="The Accept header asks for a type other than JSON."
    ),
    "415": OpenApiResponse(
        ErrorSerializer,
        description="The body comes in a Content-Type this operation does not read.",
    ),
    "429": OpenApiResponse(ErrorSerializer, description="Too many requests; try again later."),
    "503": OpenApiResponse(
        ErrorSerializer,
        description="Briefly unavailable; try again after the seconds in Retry-After.",
    ),
}
UNREADABLE = (
    ' Or, when the body cannot be read at all (not JSON, nested too deep), {"detail": "…"}.'
)
BODY_METHODS = ("POST", "PUT", "PATCH")


def limits(field) -> dict:
    """The JSON Schema bounds of a form field: its minimum, maximum and pattern."""
    found = {}
    if getattr(field, "min_value", None) is not None:
        found["minimum"] = field.min_value
    if getattr(field, "max_value", None) is not None:
        found["maximum"] = field.max_value
    for validator in field.validators:
        if isinstance(validator, RegexValidator) and not validator.inverse_match:
            found["pattern"] = validator.regex.pattern
    return found


class DeskAutoSchema(AutoSchema):
    def _resolve_path_parameters(self, variables):
        """An ``<int:…>`` part of an address is digits only: a negative number never reaches
        the view (the URL conf answers 404), so the schema does not offer one."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"].get("type") == "integer":
                parameter["schema"] = {**parameter["schema"], "minimum": 0}
        return parameters

    def _get_parameters(self):
        """An optional query parameter sent empty (``?to=``) counts as not sent: DRF's query
        serializers and django-filter both read it so. Not a repeatable one (``?status=``):
        each value it repeats must be one it takes."""
        parameters = super()._get_parameters()
        for parameter in parameters:
            optional = parameter["in"] == "query" and not parameter.get("required")
            if optional and parameter.get("schema", {}).get("type") != "array":
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_filter_parameters(self):
        """A filter's bounds and pattern are its form field's: what the form refuses, the
        schema does not offer."""
        parameters = super()._get_filter_parameters()
        filterset = getattr(self.view, "filterset_class", None)
        filters = filterset.get_filters() if filterset else {}
        for parameter in parameters:
            declared = filters.get(parameter["name"])
            if declared is not None and parameter["schema"].get("type") in ("integer", "string"):
                parameter["schema"] = {**parameter["schema"], **limits(declared.field)}
        return parameters

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(ERRORS[code], code, None, direction)
        if self.method in BODY_METHODS:
            self._or_unreadable(bodies["400"], direction)
        return bodies

    def _or_unreadable(self, response: dict, direction) -> None:
        """Let a 400 that lists field errors also be the ``{"detail": "…"}`` of a body that
        could not be parsed."""
        error = self._get_response_for_code(ErrorSerializer, "400", None, direction)
        detail = next(iter(error["content"].values()))["schema"]
        for media in response.get("content", {}).values():
            if media["schema"] != detail:
                media["schema"] = {"anyOf": [media["schema"], detail]}
        response["description"] = response.get("description", "") + UNREADABLE

    def _error_codes(self) -> list[str]:
        view = self.view
        # Any operation refuses a parameter holding a NUL (core.middleware) with field errors.
        codes = ["400"]
        if self.method in BODY_METHODS:
            codes.append("415")
        guarded = any(not isinstance(p, AllowAny) for p in view.get_permissions())
        if guarded and view.get_authenticators():
            codes += ["401", "403"]
        paginator = getattr(view, "paginator", None) if self._is_list_view() else None
        if "{" in self.path or isinstance(paginator, CursorPagination):
            codes.append("404")  # a missing object, or a cursor that was not ours
        codes.append("406")
        if view.get_throttles():
            codes.append("429")
        codes.append("503")  # the database is restarting (supportdesk.unavailable)
        return codes
