"""The reminders of scheduled interventions (an ETA task each, and the beat sweep). The
e-mails about entitlements go through the outbox (``tickets.services.outbox``); the two
e-mail tasks take those a desk of an earlier version queued as tasks, into the outbox."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.tasks import task
from entitlements import mail, services
from entitlements.models import Entitlement, Intervention
from tickets import services as ticket_services


@task(name="entitlements.send_low_balance_mail", queue="notifications")
def send_low_balance_mail(bundle_id: int, remaining_minutes: int) -> bool:
    """Tell the organisation its support hours are running low (or gone)."""
    bundle = Entitlement.objects.select_related("organisation").filter(pk=bundle_id).first()
    email = mail.low_balance_mail(bundle, remaining_minutes) if bundle is not None else None
    if email is None:
        return False
    ticket_services.email_queue(email, kind="low_balance")
    return True


# --- Scheduled interventions -----------------------------------------------------------------


@task(name="entitlements.remind_intervention", queue="notifications")
def remind_intervention(intervention_id: int, which: str) -> bool:
    return services.intervention_remind(
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
    result = services.interventions_sweep(now=timezone.now(), lookahead=lookahead)
    return {"reminded": result.reminded, "armed": result.armed}


@task(name="entitlements.send_intervention_mail", queue="notifications")
def send_intervention_mail(intervention_id: int, kind: str, start: str | None = None) -> bool:
    intervention = (
        Intervention.objects.select_related("ticket", "requested_by__organisation")
        .filter(pk=intervention_id)
        .first()
    )
    if intervention is None:
        return False
    email = mail.intervention_mail(intervention, kind, start)
    if email is None:
        return False
    ticket_services.email_queue(email, kind=f"intervention_{kind}", ticket=intervention.ticket)
    return True
