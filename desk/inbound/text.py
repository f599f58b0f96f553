"""The text of an e-mail: HTML to text, and trimming what the sender quoted. Strings in,
strings out."""

import re
from html.parser import HTMLParser


class _TextFromHtml(HTMLParser):
    SKIPPED = frozenset({"script", "style", "head", "title", "blockquote", "template"})
    BLOCKS = frozenset(
        {
            "p", "div", "br", "li", "tr", "table", "ul", "ol", "pre", "hr", "section",
            "article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        }
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif not self.skipping and tag in self.BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif not self.skipping and tag in self.BLOCKS and tag not in ("br", "li", "tr"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: tags dropped, blocks on their own lines, quotes
    (``<blockquote>``) left out."""
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()


_ATTRIBUTION_START = re.compile(r"^\s*(on|le|am|il|el|op)\s", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(wrote|a écrit|schrieb|ha scritto|escribió|schreef)\s*:?\s*$", re.IGNORECASE
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|messaggio originale|ursprüngliche nachricht|"
    r"message d'origine|mensaje original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(from|da|von|de)\s*:\*?\s", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(sent|date|inviato|data|gesendet|datum|envoyé|enviado|fecha)\s*:\*?\s",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*(_{8,}|-{8,})\s*$")
_SIGNATURE = frozenset({"-- ", "--"})


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution_end(lines: list[str], index: int) -> int | None:
    """Index of the last line of an "On … wrote:" attribution starting at ``index``."""
    if not _ATTRIBUTION_START.match(lines[index]):
        return None
    if _ATTRIBUTION_END.search(lines[index]):
        return index
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if following and not _is_quote(following) and _ATTRIBUTION_END.search(following):
        return index + 1  # mail clients wrap a long attribution
    return None


def _only_quotes_from(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line in _SIGNATURE:
            break
        if line.strip() and not _is_quote(line):
            return False
    return True


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at the signature delimiter ("-- "), at
    "-----Original Message-----", at an Outlook "From: … Sent: …" block, or at an
    "On … wrote:" line followed only by quoted lines; then drop quoted (">") and blank
    lines at the end. Answers written between quoted lines are kept."""
    lines = [line.rstrip("\r") for line in text.replace("\r\n", "\n").split("\n")]
    cut = len(lines)
    for index, line in enumerate(lines):
        if line in _SIGNATURE or _ORIGINAL_MESSAGE.match(line):
            cut = index
            break
        if _HEADER_FROM.match(line) and any(
            _HEADER_SENT.match(later) for later in lines[index + 1 : index + 4]
        ):
            cut = index
            break
        end = _attribution_end(lines, index)
        if end is not None and _only_quotes_from(lines, end + 1):
            cut = index
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or _is_quote(kept[-1]) or _SEPARATOR.match(kept[-1])):
        kept.pop()
    return "\n".join(line.rstrip() for line in kept).strip()
