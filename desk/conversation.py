"""A case's conversation as a case page shows it: the messages a reader sees, each with the
files sent with it, and the files sent with the case itself. Two queries, however long the
conversation; the staff and the partner case pages both read it here."""

from dataclasses import dataclass

from django.urls import reverse

from partners.models import User
from tickets.models import Attachment, Message, Ticket
from tickets.selectors import messages_visible_to


@dataclass(frozen=True)
class FileLink:
    url: str
    name: str
    size: int


@dataclass(frozen=True)
class Post:
    """A message of the conversation with the files sent with it."""

    message: Message
    files: list[FileLink]


def conversation_of(user: User, ticket: Ticket) -> tuple[list[Post], list[FileLink]]:
    """The messages of ``ticket`` that ``user`` sees, in ``messages_visible_to``'s order,
    each with its files; and the files sent with the case itself.

    ``ticket`` must be one the user may read (the pages read it through their scoped
    selectors first). A file is seen with its message, so the case's files are kept for the
    messages ``messages_visible_to`` gave, as ``attachments_visible_to`` would keep them,
    without asking the database again who may see the case."""
    visible = list(messages_visible_to(user, ticket).prefetch_related(None))
    files: dict[int | None, list[FileLink]] = {None: []}
    files.update((message.pk, []) for message in visible)
    for attachment in Attachment.objects.filter(ticket=ticket):
        if attachment.message_id in files:
            files[attachment.message_id].append(
                FileLink(
                    url=reverse("tickets:attachment_download", args=[attachment.pk]),
                    name=attachment.original_name,
                    size=attachment.size,
                )
            )
    return [Post(message=message, files=files[message.pk]) for message in visible], files[None]
