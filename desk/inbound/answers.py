"""Automatic answers to e-mails we could not take as they were, within the limits the
package's docstring gives: once per incoming Message-ID, a few an hour per address."""

import hashlib
import logging

from django.core.cache import cache

from desk.inbound.values import ParsedMail
from tickets import notifications

logger = logging.getLogger("desk.inbound")

ANSWERS_PER_SENDER_PER_HOUR = 5
ANSWER_MEMORY_SECONDS = 7 * 24 * 3600


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def queue_answer(parsed: ParsedMail, kind: str, **context) -> bool:
    """Queue an automatic answer (through the outbox) unless this message was answered
    already or the sender has had enough answers this hour."""
    if parsed.automatic or parsed.no_answer:
        return False
    answered_key = f"inbound:answered:{_digest(parsed.message_id)}"
    if cache.get(answered_key):
        return False
    count_key = f"inbound:answers:{_digest(parsed.sender)}"
    cache.add(count_key, 0, 3600)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired in between
        cache.set(count_key, 1, 3600)
        count = 1
    if count > ANSWERS_PER_SENDER_PER_HOUR:
        logger.warning("Not answering %s: %s answers this hour already", parsed.sender, count - 1)
        return False
    references = " ".join(parsed.references[-10:])
    notifications.auto_reply(
        kind, to=parsed.sender, in_reply_to=parsed.message_id, references=references, **context
    )
    cache.set(answered_key, 1, ANSWER_MEMORY_SECONDS)
    return True
