"""Writes for the status notices: following services, the feed address, and sending a notice
to the followers of its services.

``notice_send`` runs in the transaction of the change it tells of (a maintenance window
announced, an incident update posted): the notice, one delivery row per person and each
person's e-mail in the outbox are written together, so a change rolled back sends nothing
and the outbox sends each e-mail once after the commit (``tickets.services.outbox``). The
delivery row is unique per notice and person: one e-mail each, however many of the notice's
services they follow.

Who receives a notice: active people with an e-mail address who follow one of its services
for that kind of notice and may still see it: staff always; a partner while their
organisation subscribes to the service, and for an incident that concerns only listed
organisations, only when theirs is listed (the status page's rule, ``availability.status``).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from availability import notice_mail
from availability.models import (
    Incident,
    IncidentUpdate,
    Maintenance,
    Service,
    StatusFeedKey,
    StatusNotice,
    StatusNoticeDelivery,
    StatusSubscription,
    Subscription,
)
from partners.models import User
from tickets.services.outbox import email_queue

KIND_FIELD = {StatusNotice.Kind.MAINTENANCE: "maintenance", StatusNotice.Kind.INCIDENT: "incidents"}


# --- Sending -----------------------------------------------------------------------------


def maintenance_notice_send(*, maintenance: Maintenance, actor: User, at: datetime) -> StatusNotice:
    """The notice of a maintenance window, to the followers of its services. The caller
    (``records.maintenance_announce``) holds the window locked and owns the transaction."""
    services = list(maintenance.services.order_by("name"))
    notice = StatusNotice.objects.create(
        kind=StatusNotice.Kind.MAINTENANCE,
        maintenance=maintenance,
        subject=f"Planned maintenance: {maintenance.title}",
        body=maintenance.note,
        sent_at=at,
        sent_by=actor,
    )
    _fan_out(notice, services, organisations=None)
    return notice


def incident_notice_send(*, update: IncidentUpdate, actor: User) -> StatusNotice | None:
    """The notice of an incident's public update, to the followers of its services; None
    when nobody follows them. Called in the transaction that posts the update."""
    incident = update.incident
    services = list(incident.services.order_by("name"))
    organisations = None
    if incident.scope == Incident.Scope.ORGANISATIONS:
        organisations = set(incident.organisations.values_list("pk", flat=True))
    if not _followers(services, StatusNotice.Kind.INCIDENT).exists():
        return None
    notice = StatusNotice.objects.create(
        kind=StatusNotice.Kind.INCIDENT,
        incident=incident,
        update=update,
        subject=f"{update.get_status_display()}: {incident.title}",
        body=update.body,
        sent_at=update.posted_at,
        sent_by=actor,
    )
    _fan_out(notice, services, organisations=organisations)
    return notice


def _followers(services: list[Service], kind: str):
    return StatusSubscription.objects.filter(
        service__in=services,
        user__is_active=True,
        **{KIND_FIELD[kind]: True},
    ).exclude(user__email="")


def _fan_out(notice: StatusNotice, services: list[Service], *, organisations: set | None) -> None:
    """One delivery and one e-mail for each person who should have the notice."""
    today = notice.sent_at.date()
    running = set(
        Subscription.objects.filter(services__in=services, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("organisation_id", "services")
    )
    followed: dict[int, list[Service]] = defaultdict(list)
    people: dict[int, User] = {}
    by_pk = {service.pk: service for service in services}
    rows = _followers(services, notice.kind).select_related("user__organisation")
    for row in rows.order_by("user_id", "service__name"):
        user = row.user
        if user.is_partner:
            if (user.organisation_id, row.service_id) not in running:
                continue
            if organisations is not None and user.organisation_id not in organisations:
                continue
        people[user.pk] = user
        followed[user.pk].append(by_pk[row.service_id])
    for pk, user in people.items():
        try:
            with transaction.atomic():
                delivery = StatusNoticeDelivery.objects.create(notice=notice, user=user)
        except IntegrityError:
            continue  # already has it
        delivery.email = email_queue(
            notice_mail.notice_mail(notice, user, followed[pk]), kind=f"status_{notice.kind}"
        )
        delivery.save(update_fields=["email"])
    notice.recipient_count = notice.deliveries.count()
    notice.save(update_fields=["recipient_count"])


# --- Following ---------------------------------------------------------------------------


def status_subscriptions_set(
    *, user: User, choices: dict[Service, tuple[bool, bool]], visible: Iterable[Service]
) -> None:
    """Set what ``user`` follows: for each service, (incidents, maintenance); neither stops
    following it. Only ``visible`` services (the ones the user may see) can be followed."""
    allowed = {service.pk for service in visible}
    with transaction.atomic():
        for service, (incidents, maintenance) in choices.items():
            if service.pk not in allowed:
                raise ValidationError(f"You cannot follow {service.name}.")
            if not (incidents or maintenance):
                StatusSubscription.objects.filter(user=user, service=service).delete()
                continue
            StatusSubscription.objects.update_or_create(
                user=user,
                service=service,
                defaults={"incidents": incidents, "maintenance": maintenance},
            )


def status_unsubscribe(*, user_id: int, service_ids: list[int]) -> int:
    """Stop following the services (from an e-mail's link); how many were followed."""
    deleted, _ = StatusSubscription.objects.filter(
        user_id=user_id, service_id__in=service_ids
    ).delete()
    return deleted


def status_feed_key_renew(*, user: User) -> StatusFeedKey:
    """A new secret for the user's feed addresses; the old addresses stop working."""
    with transaction.atomic():
        StatusFeedKey.objects.filter(user=user).delete()
        return StatusFeedKey.objects.create(user=user, created_at=timezone.now())


def status_feed_key_of(*, user: User) -> StatusFeedKey:
    key = StatusFeedKey.objects.filter(user=user).first()
    return key or status_feed_key_renew(user=user)
