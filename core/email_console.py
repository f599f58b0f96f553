"""An e-mail backend for the desk run on one machine (``make run``): one line per e-mail,
who it goes to and its subject, instead of the whole message, so the terminal stays
readable and the address and logins printed at start-up stay in view."""

from django.core.mail.backends.console import EmailBackend


class OneLineConsoleBackend(EmailBackend):
    def write_message(self, message) -> None:
        recipients = ", ".join(message.recipients()) or "nobody"
        subject = " ".join(str(message.subject).split())
        self.stream.write(f"E-mail to {recipients}: {subject}\n")
