"""Placeholders in canned replies (macros): ``{case_number}`` and the like, filled in with
the case's own values when an agent applies the macro.

Pure: text and a mapping in, text out. The rules:

- a placeholder is a name in braces, ``{name}``, letters, digits and underscores, starting
  with a letter or an underscore (spaces inside the braces are allowed: ``{ name }``);
- only the names in ``PLACEHOLDERS`` are known; a macro naming any other is refused when
  it is saved, so a typo never reaches a partner as ``{parner_name}``;
- braces that do not hold a name (``{}``, ``{ 1 }``, a lone ``{``) are ordinary text and
  stay as written; text without braces comes out unchanged.
"""

import re
from collections.abc import Mapping

# Name → what it stands for, as the macro form explains it.
PLACEHOLDERS: dict[str, str] = {
    "partner_name": "the partner organisation's name",
    "requester_name": "the full name of the person who opened the case",
    "case_number": "the case number, e.g. SD-000123",
    "case_subject": "the case's subject",
    "due_time": "when the next service-level clock is due, in the requester's time zone",
    "agent_name": "the full name of the agent sending the reply",
}

PATTERN = re.compile(r"\{\s*([A-Za-z_]\w*)\s*\}", re.ASCII)


def placeholders_in(text: str) -> list[str]:
    """The placeholder names ``text`` uses, in order of first use."""
    return list(dict.fromkeys(PATTERN.findall(text)))


def unknown_placeholders(text: str) -> list[str]:
    """The names in braces that are not placeholders we know, in order of first use."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every known placeholder replaced by its value in ``values``.

    A known placeholder missing from ``values`` becomes an empty string; an unknown one is
    an error (macros are checked when saved, so it means the caller passed raw text)."""
    unknown = unknown_placeholders(text)
    if unknown:
        raise ValueError(f"Unknown placeholder: {{{unknown[0]}}}")
    return PATTERN.sub(lambda match: values.get(match.group(1), ""), text)
