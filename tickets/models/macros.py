from django.conf import settings
from django.db import models

from tickets.models.cases import Ticket


class Macro(models.Model):
    """A canned reply a team lead keeps for agents: its text (with placeholders, see
    ``tickets.placeholders``) and, optionally, the status and assignment it also sets
    when an agent sends it."""

    class Assign(models.TextChoices):
        KEEP = "", "Leave the assignment as it is"
        ME = "me", "Assign to the agent who sends it"
        NOBODY = "nobody", "Unassign"

    name = models.CharField(max_length=80, unique=True)
    body = models.TextField(help_text="The reply, with placeholders in braces.")
    status = models.CharField(
        max_length=20,
        choices=Ticket.Status.choices,
        blank=True,
        help_text="The status the case moves to when the reply is sent; blank leaves it.",
    )
    assign = models.CharField(max_length=10, choices=Assign.choices, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
