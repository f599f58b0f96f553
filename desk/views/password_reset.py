"""The password-reset request page: the rate-limited page of ``partners`` whose e-mail is
written to the outbox (``tickets.services.outbox``) when the reset is asked for, and sent
by the outbox's task, tried again while the broker or the mail server is away."""

from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template import loader

from partners.views import PasswordResetView
from tickets.services import email_queue


class OutboxPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """The e-mail Django's form would send, in the same words, to the outbox."""
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            email.attach_alternative(html, "text/html")
        email_queue(email, kind="password_reset")


class OutboxPasswordResetView(PasswordResetView):
    form_class = OutboxPasswordResetForm
