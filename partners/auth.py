from django.contrib.auth.forms import AuthenticationForm
from django.forms import EmailField, EmailInput


def login_identifier(request, credentials: dict | None) -> str:
    """The account a login attempt is for, as the throttle counts it (lower-cased e-mail)."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        value = request.POST.get("username") or request.POST.get("email")
    return (value or "").strip().lower()


class EmailAuthenticationForm(AuthenticationForm):
    username = EmailField(
        label="E-mail",
        widget=EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That e-mail address and password do not match an active account. "
            "Check both and try again; passwords are case-sensitive."
        ),
        "inactive": "This account has been deactivated. Ask your administrator to restore it.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()
