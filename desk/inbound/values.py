"""What reading an e-mail yields and what became of it."""

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    POSTED = "posted"
    DUPLICATE = "duplicate"
    NO_REFERENCE = "no_reference"
    REFUSED_SENDER = "refused_sender"
    CLOSED = "closed"
    NOT_ADDED = "not_added"
    AUTOMATIC = "automatic"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class InboundResult:
    outcome: Outcome
    detail: str = ""
    case_number: str = ""
    message_pk: int | None = None
    answered: bool = False
    dropped: tuple[str, ...] = ()


class MalformedMail(Exception):
    """The bytes are not an e-mail we can read, or it has no usable sender."""


@dataclass(frozen=True)
class InboundFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class ParsedMail:
    sender: str
    subject: str
    message_id: str
    references: tuple[str, ...]  # ids from References, then In-Reply-To
    text: str  # the new text, quoted parts trimmed
    files: tuple[InboundFile, ...] = ()
    automatic: str = ""  # why it looks machine-sent; empty for a person's mail
    no_answer: bool = False  # the sender asked for no automatic answers
    case_pks: tuple[int, ...] = ()
