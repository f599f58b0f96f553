"""Knowledge-base suggestions for the intake: what the partner typed, picked and runs.

Text relevance comes first (``tickets.search.search_articles``: full-text rank on
PostgreSQL, a plain word match elsewhere); articles written for the case type, reason or
kind of device the partner picked rise above equally relevant ones.
"""

from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tickets import search, selectors
from tickets.models import Article

LIMIT = 5

# How much a match on what the partner picked weighs, relative to text relevance.
REASON_BOOST = 1.0
CASE_TYPE_BOOST = 0.3
DEVICE_KIND_BOOST = 0.5


def _boost(*, case_type: str, reason: str, device_kind: str):
    parts = []
    if reason:
        parts.append((Q(reason_code=reason), REASON_BOOST))
    if case_type:
        parts.append((Q(case_type_code=case_type), CASE_TYPE_BOOST))
    if device_kind:
        parts.append((Q(device_kind=device_kind), DEVICE_KIND_BOOST))
    total = Value(0.0, output_field=FloatField())
    for condition, weight in parts:
        total = total + Case(
            When(condition, then=Value(weight)), default=Value(0.0), output_field=FloatField()
        )
    return total


def _word_hits(words: list[str]):
    """Without full-text search: each word found scores 3 in the title, 2 in the tags and
    1 in the body, so more words and better places rank higher."""
    total = Value(0.0, output_field=FloatField())
    for word in words:
        for field, weight in (("title", 3.0), ("tags", 2.0), ("body", 1.0)):
            total = total + Case(
                When(**{f"{field}__icontains": word}, then=Value(weight)),
                default=Value(0.0),
                output_field=FloatField(),
            )
    return total


def suggest(
    *,
    text: str = "",
    case_type: str = "",
    reason: str = "",
    device_kind: str = "",
    limit: int = LIMIT,
    articles: QuerySet[Article] | None = None,
) -> list[Article]:
    """Up to ``limit`` published articles, most relevant first.

    With no words to search for, articles written for the picked reason or device kind
    (within the picked case type) are offered; with nothing picked either, none.
    """
    articles = selectors.articles_published() if articles is None else articles
    boost = _boost(case_type=case_type, reason=reason, device_kind=device_kind)
    words = [word for word in text.split() if len(word) > 1][:10]  # as search_articles
    if words:
        found = search.search_articles(articles, text)
        if search.uses_full_text():
            # Multiplying keeps the text rank in charge: a picked reason lifts an article,
            # it does not put an unrelated one first.
            found = found.annotate(score=F("rank") * (Value(1.0) + boost)).order_by(
                "-score", "title"
            )
        else:
            found = found.annotate(score=_word_hits(words) + boost).order_by("-score", "title")
        return list(found[:limit])
    if not (reason or device_kind):
        return []
    context = Q()
    if reason:
        context |= Q(reason_code=reason)
    if device_kind:
        context |= Q(device_kind=device_kind)
    if case_type:
        context &= Q(case_type_code=case_type) | Q(case_type_code="")
    return list(articles.filter(context).annotate(score=boost).order_by("-score", "title")[:limit])


def render_body(text: str) -> SafeString:
    """An article body as HTML, Markdown-like: blank lines separate paragraphs, lines
    starting with "- " are bullets and "1. " numbered steps, and an indented line carries
    on the item above it. Everything is escaped."""
    blocks: list[tuple[str, list[str]]] = []  # ("p" | "ul" | "ol", pieces)
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            blocks.append(("", []))
            continue
        kind = "ul" if line.startswith("- ") else "ol" if _numbered(line) else ""
        current = blocks[-1] if blocks else ("", [])
        if kind:
            item = line[2:] if kind == "ul" else line.split(". ", 1)[1]
            if current[0] == kind:
                current[1].append(item)
            else:
                blocks.append((kind, [item]))
        elif (current[0] in ("ul", "ol") and raw[:1].isspace()) or current[0] == "p":
            current[1][-1] += " " + line
        else:
            blocks.append(("p", [line]))
    html = []
    for kind, pieces in blocks:
        if kind == "p":
            html.append(f"<p>{escape(pieces[0])}</p>")
        elif kind:
            items = "".join(f"<li>{escape(piece)}</li>" for piece in pieces)
            html.append(f"<{kind}>{items}</{kind}>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece above is escaped


def _numbered(line: str) -> bool:
    number, dot, rest = line.partition(". ")
    return bool(dot) and number.isdigit() and bool(rest.strip())


def excerpt(text: str, words: int = 18) -> str:
    """The opening words of an article as plain text, without list markers."""
    plain = []
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("- "):
            line = line[2:]
        elif _numbered(line):
            line = line.split(". ", 1)[1]
        if line:
            plain.append(line)
    found = " ".join(plain).split()
    return " ".join(found[:words]) + (" …" if len(found) > words else "")
