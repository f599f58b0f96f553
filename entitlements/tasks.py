"""E-mail about entitlements, sent off the request and retried while the mail server is
away; the reminders of scheduled interventions (an ETA task each, and the beat sweep)."""

from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from core.formatting import duration_text
from core.tasks import task
from entitlements import interventions
from entitlements.models import Entitlement, Intervention
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
    left = duration_text(timedelta(minutes=max(remaining_minutes, 0)), "compact")
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


# --- Scheduled interventions -----------------------------------------------------------------


@task(name="entitlements.remind_intervention", queue="notifications")
def remind_intervention(intervention_id: int, which: str) -> bool:
    return interventions.intervention_remind(
        intervention_id=intervention_id, which=which, now=timezone.now()
    )


@task(
    name="entitlements.intervention_sweep",
    queue="notifications",
    soft_time_limit=240,
    time_limit=280,
)
def intervention_sweep() -> dict:
    lookahead = timedelta(seconds=settings.INTERVENTION_SWEEP_SECONDS * 1.5)
    result = interventions.interventions_sweep(now=timezone.now(), lookahead=lookahead)
    return {"reminded": result.reminded, "armed": result.armed}


@task(
    name="entitlements.send_intervention_mail",
    queue="notifications",
    retry_for=(SMTPException, OSError),
)
def send_intervention_mail(intervention_id: int, kind: str, start: str | None = None) -> bool:
    intervention = (
        Intervention.objects.select_related("ticket", "requested_by__organisation")
        .filter(pk=intervention_id)
        .first()
    )
    if intervention is None:
        return False
    email = interventions.mail_for(intervention, kind, start)
    return send_email(email) if email is not None else False
