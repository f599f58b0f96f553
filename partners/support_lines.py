"""Which support phone number and chat link an organisation is given (terms 16.6–16.7,
17.6–17.7). Pure: the caller passes a policy version's ``support_lines`` data and the
organisation's country and region.

The data (one policy version's ``support_lines``)::

    {"lines": [{"code": "dach", "label": "Germany, Austria and Switzerland",
                "countries": ["DE", "AT", "CH", "LI"], "phone": "+49 ...", "chat": "https://..."},
               ...],
     "fallback": {"eu": "international", "us": "usa"}}

The terms list numbers for a few countries or groups of countries only. An organisation in
a country no line names gets the fallback line of its support region, so that nobody is
left without a number to call for a Critical problem: in Europe the international line
(the terms' international chat link; the terms give no international phone number, and
extended support is in English only (16.6), so its phone is the UK line), in the United
States region the USA line (same support hours, same language).
"""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SupportLine:
    code: str
    label: str
    phone: str = ""
    chat: str = ""

    @property
    def phone_uri(self) -> str:
        """The number for a ``tel:`` link: digits and the leading plus only."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


def _line(data: Mapping) -> SupportLine:
    return SupportLine(
        code=str(data.get("code", "")),
        label=str(data.get("label", "")),
        phone=str(data.get("phone", "")),
        chat=str(data.get("chat", "")),
    )


def line_for(data: Mapping | None, *, country: str, region: str) -> SupportLine | None:
    """The line for ``country`` (ISO 3166-1 alpha-2), else the fallback of ``region``;
    None when the data names neither (an empty or broken entry in the admin)."""
    if not isinstance(data, Mapping):
        return None
    listed = data.get("lines")
    lines = (
        [line for line in listed if isinstance(line, Mapping)] if isinstance(listed, list) else []
    )
    country = (country or "").strip().upper()
    for line in lines:
        countries = line.get("countries")
        if (
            country
            and isinstance(countries, list)
            and country in {str(c).upper() for c in countries}
        ):
            return _line(line)
    fallbacks = data.get("fallback")
    fallback = fallbacks.get(region) if isinstance(fallbacks, Mapping) else None
    for line in lines:
        if fallback and line.get("code") == fallback:
            return _line(line)
    return None


def problems(data: Mapping, *, regions: frozenset[str]) -> list[str]:
    """What is wrong with ``support_lines`` data; empty when it can be used as it is."""
    if not isinstance(data, Mapping):
        return ["support_lines: give an object with lines and fallback"]
    found: list[str] = []
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        return ["support_lines: give at least one line"]
    codes: set[str] = set()
    countries: dict[str, str] = {}
    for line in lines:
        code = str(line.get("code", "")) if isinstance(line, Mapping) else ""
        if not code:
            found.append("support_lines: every line needs a code")
            continue
        if code in codes:
            found.append(f"support_lines: line {code!r} appears twice")
        codes.add(code)
        if not line.get("phone") and not line.get("chat"):
            found.append(f"support_lines: line {code!r} has neither phone nor chat")
        for country in line.get("countries") or []:
            country = str(country).upper()
            if len(country) != 2 or not country.isalpha():
                found.append(f"support_lines: {country!r} in line {code!r} is not a country code")
            elif country in countries:
                found.append(
                    f"support_lines: {country} is in both {countries[country]!r} and {code!r}"
                )
            countries[country] = code
    fallback = data.get("fallback")
    if not isinstance(fallback, Mapping):
        fallback = {}
    for region in sorted(regions):
        if fallback.get(region) not in codes:
            found.append(f"support_lines: region {region!r} needs a fallback line")
    return found
