"""E-mail about entitlements, sent off the request and retried while the mail server is
away."""

from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage

from entitlements.models import Entitlement
from entitlements.services import format_minutes
from supportdesk.celery import task
from tickets.tasks import send_email


@task(
    name="entitlements.send_low_balance_mail",
    queue="notifications",
    retry_for=(SMTPException, OSError),
)
def send_low_balance_mail(bundle_id: int, remaining_minutes: int) -> bool:
    """Tell the organisation its support hours are running low (or gone)."""
    bundle = Entitlement.objects.select_related("organisation").filter(pk=bundle_id).first()
    if bundle is None or not bundle.organisation.contact_email:
        return False
    left = format_minutes(max(remaining_minutes, 0))
    body = (
        f"Hello,\n\nThe support-hour bundle {bundle.reference or bundle.pk} of "
        f"{bundle.organisation.name} has {left} left"
        f"{' and is overdrawn' if remaining_minutes < 0 else ''}.\n"
        "To keep working with our engineers without interruption, ask your sales contact "
        "for more support hours.\n"
    )
    email = EmailMessage(
        subject=f"Support hours running low: {left} left",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[bundle.organisation.contact_email],
    )
    return send_email(email)
