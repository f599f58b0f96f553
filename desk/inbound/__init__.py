"""One e-mail arriving at the support mailbox (``manage.py ingest_email``): read it, find its
case, check who sent it, and add it to the case as a public message, or answer why not.

``parsing`` (with ``text``) only reads: bytes and strings in, values out (and settings for
our own addresses and Message-ID domain). ``matching`` finds the case and the sender's
account. ``handling.handle_inbound`` makes the decisions and does the one write, through
``desk.actions.reply.message_post``; ``answers`` queues the automatic answers.

What happens to a message, in order:

- unreadable, no usable From, or too large → refused (``MALFORMED``, ``TOO_LARGE``);
  logged, nothing stored, nothing answered.
- sent by a robot (``Auto-Submitted`` other than "no", ``Precedence: bulk/junk/list``, a
  mailing list, an empty return path, a mailer daemon, or our own address) → ignored
  (``AUTOMATIC``): neither stored nor answered, so two robots never answer each other.
  Out-of-office replies to our notifications are therefore not added to cases either.
- a Message-ID already stored → ``DUPLICATE``, nothing more.
- no case number in the subject ("[SD-000123]" or "SD-000123") nor a Message-ID of ours in
  In-Reply-To/References, or a number that is no case → ``NO_REFERENCE``: answered that
  new cases are opened in the portal; no case is opened.
- the sender is not an active member of the case's organisation (unknown address, another
  organisation, staff) → ``REFUSED_SENDER``: answered that the address cannot post to that
  case; the answer says nothing about the case beyond the number the sender wrote.
- the case is closed → ``CLOSED``: answered with a link to open a follow-up case.
- nothing left once quoted text is trimmed, and no file to keep → ``NOT_ADDED``: answered.
- otherwise → ``POSTED``: a public message with the kept files. Files that break the
  attachment rules are dropped; the sender gets an answer listing them and the message
  ends with a line naming them, so the support team knows as well.

Every message answered for ``NO_REFERENCE``, ``REFUSED_SENDER``, ``CLOSED`` or ``NOT_ADDED``
is also kept (``tickets.models.RefusedMail``: its text and the files the attachment rules
accept), written in the same transaction as its answer, for the support team to open a case
with, add to a case or discard (``desk.views.refused_mail``). Nothing a person wrote to us
is lost.

Answers carry ``Auto-Submitted: auto-replied``, go to the From address, are sent at most
once per incoming Message-ID and at most ``ANSWERS_PER_SENDER_PER_HOUR`` times an hour to
one address (a loop guard for robots that do not mark their mail).

The From address is taken at its word: checking that it is not forged (SPF, DKIM, DMARC)
is the receiving MTA's job, before the message reaches this pipe.
"""

from desk.inbound.answers import ANSWER_MEMORY_SECONDS, ANSWERS_PER_SENDER_PER_HOUR
from desk.inbound.handling import MAX_BYTES, handle_inbound
from desk.inbound.matching import case_pks_in
from desk.inbound.parsing import MAX_MESSAGE_ID, automatic_reason, parse_mail
from desk.inbound.text import html_to_text, trim_quoted
from desk.inbound.values import InboundFile, InboundResult, MalformedMail, Outcome, ParsedMail

__all__ = [
    "ANSWERS_PER_SENDER_PER_HOUR",
    "ANSWER_MEMORY_SECONDS",
    "MAX_BYTES",
    "MAX_MESSAGE_ID",
    "InboundFile",
    "InboundResult",
    "MalformedMail",
    "Outcome",
    "ParsedMail",
    "automatic_reason",
    "case_pks_in",
    "handle_inbound",
    "html_to_text",
    "parse_mail",
    "trim_quoted",
]
