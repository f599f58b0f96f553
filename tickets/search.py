"""Text search over cases and articles.

On PostgreSQL: full-text search, backed by GIN expression indexes built from the very same
expressions (migration 0002), so the planner uses them. Elsewhere (SQLite for local runs):
a plain case-insensitive match on words.
"""

from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from tickets.models import parse_number

CONFIG = "english"


def ticket_vector() -> SearchVector:
    return SearchVector("subject", "description", config=CONFIG)


def article_vector() -> SearchVector:
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector("tags", weight="B", config=CONFIG)
        + SearchVector("body", weight="C", config=CONFIG)
    )


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _words(text: str) -> list[str]:
    return [word for word in text.split() if len(word) > 1][:10]


def search_tickets(queryset: QuerySet, text: str) -> QuerySet:
    """Cases whose number is ``text``, or whose subject or description match its words."""
    text = text.strip()
    if not text:
        return queryset
    number = parse_number(text)
    if number is not None:
        return queryset.filter(pk=number)
    if uses_full_text():
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        return queryset.annotate(search=ticket_vector()).filter(search=query)
    words = _words(text) or [text]
    return queryset.filter(
        reduce(and_, (Q(subject__icontains=w) | Q(description__icontains=w) for w in words))
    )


def search_articles(queryset: QuerySet, text: str) -> QuerySet:
    """Articles matching any of the words, best first (title counts most)."""
    words = _words(text)
    if not words:
        return queryset.none()
    if uses_full_text():
        query = reduce(or_, (SearchQuery(w, config=CONFIG) for w in words))
        vector = article_vector()
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "title")
        )
    condition = reduce(
        or_,
        (Q(title__icontains=w) | Q(body__icontains=w) | Q(tags__icontains=w) for w in words),
    )
    return queryset.filter(condition).order_by("title")
