"""The outbox of every e-mail the desk sends (``OutgoingEmail``): about cases,
interventions and support hours, the e-mail copies of staff notices, the automatic answers
and password resets. Each is written whole in the transaction of the change it tells of (a
change rolled back sends nothing), sent once that commits by whichever worker claims it,
and sent by the beat sweep, later and later, while the broker or the mail server is
away."""

import base64
import logging
from datetime import datetime, timedelta
from email.mime.base import MIMEBase
from functools import partial
from smtplib import SMTPRecipientsRefused

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tickets.models import OutgoingEmail, Ticket

logger = logging.getLogger(__name__)

# How long one send may hold an e-mail before another worker may try it.
SEND_CLAIM = timedelta(minutes=5)
# The sweep leaves a new e-mail to the send queued on commit for this long.
SEND_GRACE = timedelta(minutes=2)
# Tries in a row (the first and the task's quick retries) before the rest is left to the
# sweep.
QUICK_TRIES = 3
# Between the sweep's tries: doubling from the first, up to the longest.
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=1)
# Tries before an e-mail is given up: about a day of a mail server that does not answer.
MAX_SEND_ATTEMPTS = 30


def email_queue(email: EmailMessage, *, kind: str, ticket: Ticket | None = None) -> OutgoingEmail:
    """Write ``email`` to the outbox in the caller's transaction and send it once that
    commits (at once when there is none)."""
    row = OutgoingEmail.objects.create(
        kind=kind,
        ticket=ticket,
        next_attempt_at=timezone.now() + SEND_GRACE,
        **_stored(email),
    )
    transaction.on_commit(partial(_queue_send, row.pk), robust=True)
    return row


def _queue_send(email_id: int) -> None:
    from tickets.tasks import deliver_email

    if deliver_email.delay(email_id) is None:
        # The broker is down: the sweep's first run once it is back sends it.
        OutgoingEmail.objects.filter(pk=email_id).update(next_attempt_at=timezone.now())


def _stored(email: EmailMessage) -> dict:
    attachments = []
    for attachment in email.attachments:
        if isinstance(attachment, MIMEBase):
            raise TypeError("Attach files by name, content and type to queue them")
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append(
            {
                "filename": filename,
                "mimetype": mimetype,
                "content": base64.b64encode(content).decode("ascii"),
            }
        )
    return {
        "from_email": email.from_email,
        "to": list(email.to),
        "cc": list(email.cc),
        "bcc": list(email.bcc),
        "reply_to": list(email.reply_to),
        "subject": email.subject,
        "body": email.body,
        "alternatives": [list(pair) for pair in getattr(email, "alternatives", [])],
        "attachments": attachments,
        "headers": dict(email.extra_headers),
    }


def _message(row: OutgoingEmail) -> EmailMultiAlternatives:
    return EmailMultiAlternatives(
        subject=row.subject,
        body=row.body,
        from_email=row.from_email,
        to=row.to,
        cc=row.cc,
        bcc=row.bcc,
        reply_to=row.reply_to,
        headers=row.headers,
        alternatives=[tuple(pair) for pair in row.alternatives],
        attachments=[
            (item["filename"], base64.b64decode(item["content"]), item["mimetype"])
            for item in row.attachments
        ],
    )


def _refused_for_good(refused: SMTPRecipientsRefused) -> bool:
    codes = [code for code, _ in refused.recipients.values()]
    return bool(codes) and all(code >= 500 for code in codes)


def email_send(*, email_id: int, now: datetime) -> bool:
    """Send one e-mail unless it was sent already, was given up, or another worker is
    sending it. False when it was not sent now.

    A failed try is counted and the claim released. Within the first ``QUICK_TRIES`` it
    raises what the mail server raised, for the task to retry at once; after that the
    sweep tries again once the e-mail's wait is over.
    """
    claimed = (
        OutgoingEmail.objects.filter(pk=email_id, sent_at=None, failed_at=None)
        .filter(attempts__lt=MAX_SEND_ATTEMPTS)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .update(claimed_until=now + SEND_CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    row = OutgoingEmail.objects.get(pk=email_id)
    try:
        _message(row).send()
    except SMTPRecipientsRefused as refused:
        if _refused_for_good(refused):
            logger.warning("Mail server refused %s for good: %s", row.to, refused.recipients)
            OutgoingEmail.objects.filter(pk=email_id).update(
                claimed_until=None, failed_at=now, last_error=str(refused)[:300]
            )
            return False
        return _try_failed(row, refused, now=now)
    except Exception as error:
        return _try_failed(row, error, now=now)
    OutgoingEmail.objects.filter(pk=email_id).update(
        sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


def _try_failed(row: OutgoingEmail, error: Exception, *, now: datetime) -> bool:
    wait = min(RETRY_FIRST * 2 ** (row.attempts - 1), RETRY_LONGEST)
    given_up = now if row.attempts >= MAX_SEND_ATTEMPTS else None
    OutgoingEmail.objects.filter(pk=row.pk).update(
        claimed_until=None,
        next_attempt_at=now + wait,
        failed_at=given_up,
        last_error=f"{type(error).__name__}: {error}"[:300],
    )
    if row.attempts < QUICK_TRIES:
        raise error
    if given_up:
        logger.error("Gave up e-mail %s to %s after %s tries", row.pk, row.to, row.attempts)
    else:
        logger.warning("E-mail %s not sent, try %s: %s", row.pk, row.attempts, error)
    return False


def emails_due(*, now: datetime) -> list[int]:
    """The e-mails due another try: never sent (the broker was down at commit, a worker
    died while sending) or failed, once their wait is over. Each is then left for
    ``SEND_CLAIM`` to the task the sweep queues for it, so a sweep that comes before that
    task has run neither queues it twice nor stalls on it."""
    with transaction.atomic():
        ids = list(
            OutgoingEmail.objects.filter(sent_at=None, failed_at=None, next_attempt_at__lte=now)
            .filter(attempts__lt=MAX_SEND_ATTEMPTS)
            .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:500]
        )
        OutgoingEmail.objects.filter(pk__in=ids).update(next_attempt_at=now + SEND_CLAIM)
    return ids
