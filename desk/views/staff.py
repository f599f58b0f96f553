"""What the staff pages share: who counts as staff, and how a service's refusal reads on a
page."""

from django.core.exceptions import ValidationError

from partners.roles import Role

# Admins pass too: has_role lets them act in every staff role.
STAFF = (Role.AGENT, Role.NOC)


def error_text(error: Exception) -> str:
    """A service's refusal in words, for a message or the top of a form."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "you are not allowed to do that."
