"""``manage.py ingest_email``: one e-mail on standard input, as an MTA pipe delivers it.

Wire the reply mailbox (``SUPPORT_REPLY_TO``) to it, e.g. in Postfix's aliases::

    support-replies: "|/srv/supportdesk/.venv/bin/python /srv/supportdesk/manage.py ingest_email"

with the environment (``DATABASE_URL``, ``REDIS_URL``…) the web server has. What each
message becomes is decided in ``desk.inbound``; this command maps it to an exit code.
"""

import logging
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from desk.inbound import MAX_BYTES, InboundResult, Outcome, handle_inbound

logger = logging.getLogger("desk.inbound")

# Exit codes from sysexits.h, which MTA pipes (Postfix pipe(8), Exim, procmail) understand.
EX_OK = 0
EX_DATAERR = 65  # the MTA bounces the message to its sender
EX_NOINPUT = 66
EX_TEMPFAIL = 75  # the MTA keeps the message and delivers it again later

EXIT_CODES = {Outcome.MALFORMED: EX_DATAERR, Outcome.TOO_LARGE: EX_DATAERR}


class Command(BaseCommand):
    requires_system_checks = []  # an MTA pipe must not fail on a check warning
    help = (
        "Read one e-mail (RFC 822 bytes) from standard input, or from --file, and add it to "
        "the case it answers. Exit status: 0 when the message was handled, which includes "
        "a stored reply, a duplicate, an ignored automatic message, and every refusal we "
        "answer ourselves (no case number, closed case, sender outside the case's "
        "organisation): the sender gets our explanation rather than a bounce. 65 "
        "(EX_DATAERR) for mail we cannot read at all (not parseable, no usable From, broken "
        "MIME structure, over 50 MB): the MTA bounces it. 75 (EX_TEMPFAIL) when the "
        "database, the task queue or something unexpected failed: the MTA keeps the message "
        "and retries, and a retry never stores it twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            help="Read the message from this file instead of standard input.",
        )

    def handle(self, *args, **options):
        raw = self._read(options["file"])
        try:
            result = handle_inbound(raw)
        except DatabaseError as error:
            logger.error("Could not store an incoming e-mail, will be retried: %s", error)
            raise CommandError("temporary failure: database", returncode=EX_TEMPFAIL) from None
        except Exception as error:
            # One line for the MTA's log and bounce; the traceback only at DEBUG level,
            # never in what the MTA may send back to the sender.
            logger.error("Incoming e-mail failed: %s: %s", type(error).__name__, error)
            logger.debug("Incoming e-mail failed", exc_info=True)
            raise CommandError("temporary failure", returncode=EX_TEMPFAIL) from None
        code = EXIT_CODES.get(result.outcome, EX_OK)
        if code != EX_OK:
            raise CommandError(f"refused: {result.outcome}: {result.detail}", returncode=code)
        self.stdout.write(_summary(result))

    def _read(self, path: Path | None) -> bytes:
        try:
            if path is not None:
                with path.open("rb") as stream:
                    return stream.read(MAX_BYTES + 1)
            return sys.stdin.buffer.read(MAX_BYTES + 1)
        except FileNotFoundError as error:
            raise CommandError(f"cannot read the message: {error}", returncode=EX_NOINPUT) from None
        except OSError as error:
            raise CommandError(
                f"cannot read the message: {error}", returncode=EX_TEMPFAIL
            ) from None


def _summary(result: InboundResult) -> str:
    parts = [str(result.outcome)]
    if result.case_number:
        parts.append(result.case_number)
    if result.answered:
        parts.append("answered")
    if result.dropped:
        parts.append(f"{len(result.dropped)} file(s) dropped")
    if result.detail:
        parts.append(result.detail)
    return " ".join(parts)
