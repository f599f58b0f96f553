"""Time zones people pick or are given: the zones of each country, a new member's zone from
their organisation's country, and the list the profile's picker offers.

Both come from the time-zone database's own country table, ``zone.tab`` (one row per
country and zone: "DE  +5230+01322  Europe/Berlin"), read from the database the standard
library's ``zoneinfo`` uses: the system's (``zoneinfo.TZPATH``), else the ``tzdata``
package's copy. That table names only current, canonical zones, so the deprecated
aliases kept for old configurations ("US/Eastern", "Europe/Kiev" beside "Europe/Kyiv",
"GB", "Etc/GMT+5") are left out without a list of our own to keep up to date. Where
neither copy of the table can be read, the picker falls back to every zone the system knows
less those alias families.
"""

import zoneinfo
from collections import defaultdict
from functools import cache
from importlib import resources
from pathlib import Path

UTC = "UTC"

# Countries spanning several zones: the zone of the capital or of most of the people. A
# country not listed here gets the first zone ``zone.tab`` lists for it, which for a
# country with one main zone and outlying islands is the main one (Spain: Europe/Madrid
# before Africa/Ceuta and Atlantic/Canary; Portugal: Europe/Lisbon).
MAIN_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "KZ": "Asia/Almaty",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
}

# Alias families of the fallback list: old names kept by the database for compatibility.
_ALIAS_PREFIXES = ("Etc/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/", "SystemV/")


def _zone_tab() -> str:
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@cache  # the table is read once per process
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """Each ISO 3166 country code's zones, in the table's order; only zones this system can
    load."""
    known = zoneinfo.available_timezones()
    found: dict[str, list[str]] = defaultdict(list)
    for line in _zone_tab().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 3 and fields[2] in known:
            found[fields[0].upper()].append(fields[2])
    return {country: tuple(zones) for country, zones in found.items()}


def zone_for_country(country: str, *, region_zone: str) -> str:
    """The zone a member of an organisation in ``country`` starts with.

    Estonia -> Europe/Tallinn, Germany -> Europe/Berlin, Spain -> Europe/Madrid. A country
    with several zones gets the zone of the organisation's support calendar
    (``region_zone``) when that zone is one of the country's (a United States organisation
    on the ``us`` calendar: America/New_York), else its main zone (``MAIN_ZONES``, or the
    first the table lists). An unknown country code gets ``region_zone``.
    """
    zones = zones_by_country().get((country or "").strip().upper(), ())
    if not zones:
        return region_zone
    if len(zones) == 1:
        return zones[0]
    if region_zone in zones:
        return region_zone
    main = MAIN_ZONES.get(country.strip().upper())
    return main if main in zones else zones[0]


@cache
def picker_zones() -> tuple[str, ...]:
    """The zones a person may pick, sorted: every zone of every country in ``zone.tab``,
    and UTC."""
    listed = {zone for zones in zones_by_country().values() for zone in zones}
    if not listed:
        listed = {
            zone
            for zone in zoneinfo.available_timezones()
            if "/" in zone and not zone.startswith(_ALIAS_PREFIXES)
        }
    return tuple(sorted(listed | {UTC}))
