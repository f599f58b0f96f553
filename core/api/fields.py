"""Serializer fields the API's endpoints share."""

from django.utils import timezone
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO-8601 instant that states its offset: a time without one is ambiguous."""

    default_error_messages = {
        "naive": "Give the time with its offset from UTC, e.g. 2026-03-02T14:05:00Z.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, but a value holding a NUL is refused before it is looked up: PostgreSQL cannot
    compare text holding one. The message is DRF's own for a text field."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError(
                "Null characters are not allowed.", code="null_characters_not_allowed"
            )
        return super().to_internal_value(data)
