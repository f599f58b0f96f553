"""API rate limits that count clients the way every other limit of the desk does."""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from core.client_address import client_ident


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, counting by ``core.client_address.client_ident`` rather than
    by whatever ``X-Forwarded-For`` says."""

    @property
    def THROTTLE_RATES(self) -> dict:
        """The rates as the settings say now; DRF's own class keeps those in force when it
        was first imported."""
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request) -> str:
        return client_ident(request)
