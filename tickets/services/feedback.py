"""What partners tell us back: their rating of a resolved case, and the knowledge-base
articles that solved their problem without one."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from partners.models import User
from tickets import events, workflow
from tickets.errors import FeedbackNotAllowed
from tickets.models import Article, Deflection, Feedback, Ticket


def feedback_give(*, ticket: Ticket, author: User, rating: int, comment: str = "") -> Feedback:
    if not author.is_partner or author.organisation_id != ticket.organisation_id:
        raise PermissionDenied("Feedback comes from the case's organisation.")
    if ticket.status not in (workflow.Status.RESOLVED, workflow.Status.CLOSED):
        raise FeedbackNotAllowed("Feedback opens once the case is resolved.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "Rate from 1 to 5."})
    with transaction.atomic():
        if Feedback.objects.filter(ticket=ticket).exists():
            raise FeedbackNotAllowed("Feedback on this case has already been given.")
        feedback = Feedback.objects.create(
            ticket=ticket, author=author, rating=rating, comment=comment.strip()[:5000]
        )
        events.feedback_given(ticket, actor=author, rating=rating)
    return feedback


def article_mark_solved(*, article: Article, user: User, query: str = "") -> Deflection:
    return Deflection.objects.create(
        article=article, user=user, organisation=user.organisation, query=query.strip()[:300]
    )
