"""How the API answers errors, and how the schema documents them.

A service refuses bad input with Django's ``ValidationError``; every API view lets it
through, and ``exception_handler`` (DRF's ``EXCEPTION_HANDLER``) answers it as a 400 with
the same body the serializers' own field errors have: ``{"field": ["message", …]}``, or
``{"non_field_errors": [...]}`` when the error names no field. ``field_errors`` builds that
body for code that answers by itself (a 422 listing what did not match, say).

``ErrorSerializer`` is the ``{"detail": "…"}`` body of every other error answer, and
``FIELD_ERRORS`` documents a 400 with field errors. An operation whose 400 says something
more builds its own ``OpenApiResponse`` with the same shape.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
FIELD_ERRORS = OpenApiResponse(
    response=FIELD_ERRORS_SCHEMA,
    description='Invalid input: field name → list of messages, e.g. {"subject": ["…"]}.',
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as the API's field errors."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    """DRF's handler, which also answers a Django ``ValidationError`` with 400 and the
    field errors it carries."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
