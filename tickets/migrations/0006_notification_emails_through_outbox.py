"""Notices' e-mail copies go through the outbox (``OutgoingEmail``) like every other e-mail.
The copies the notices' own delivery had not sent yet are written to the outbox first, due
at once, so none is lost; then the columns only that delivery used are dropped."""

from django.db import migrations
from django.utils import timezone

# The tries after which the notices' own delivery gave an e-mail up.
GIVEN_UP_AFTER = 8


def unsent_notices_to_outbox(apps, schema_editor):
    from tickets import mail
    from tickets.models import format_number

    Notification = apps.get_model("tickets", "Notification")
    OutgoingEmail = apps.get_model("tickets", "OutgoingEmail")
    unsent = (
        Notification.objects.filter(emailed_at=None, email_attempts__lt=GIVEN_UP_AFTER)
        .exclude(recipient__email="")
        .select_related("recipient", "ticket")
        .order_by("created_at", "pk")
    )
    now = timezone.now()
    for notice in unsent.iterator():
        if notice.ticket is not None:
            notice.ticket.number = format_number(notice.ticket.pk)
        email = mail.build_notification(notice)
        OutgoingEmail.objects.create(
            kind=f"notice_{notice.kind}",
            ticket=notice.ticket,
            from_email=email.from_email,
            to=list(email.to),
            subject=email.subject,
            body=email.body,
            alternatives=[list(pair) for pair in email.alternatives],
            headers=dict(email.extra_headers),
            created_at=notice.created_at,
            next_attempt_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_outgoing_email"),
    ]

    operations = [
        migrations.RunPython(unsent_notices_to_outbox, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="notification",
            name="notification_unsent",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_attempts",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_claimed_until",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_error",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="emailed_at",
        ),
    ]
