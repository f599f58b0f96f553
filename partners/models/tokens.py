from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class ApiToken(AbstractAuthToken):
    """A token a script authenticates to the API with (``Authorization: Token …``).

    Only a hash of the token is kept (``digest``), with its first characters
    (``token_key``) to find it by; the token itself is shown once, when it is issued. It
    stops working at ``expiry`` or when the row is deleted: revoked by its user or an
    administrator, or when the user's password changes or the user is deactivated
    (``User.save``).
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(
        max_length=100, blank=True, help_text="What the token is for, to tell tokens apart."
    )

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return self.name or f"{self.token_key[:8]}…"
