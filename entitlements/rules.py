"""What a partner's entitlements allow beyond the tier rule, and the terms of paid support.
Pure: plain values in, answers out; no database, no clock (the caller passes ``at``).

The tier rule (``partners.eligibility``) decides who may open a case directly. An
organisation it refers elsewhere may still be served when an entitlement on file covers the
request: free support for 30 days after buying a device (portal and e-mail only, for
installation, start-up and device configuration of that device), a support-hour bundle
with hours left, an annual maintenance contract, or reseller status (phone support, once
purchases exceed 6,000 EUR and the reseller contract is signed). ``decide`` combines the
two and explains a refusal.

Also here: logging time against a bundle, the remote access each platform needs, how a
remote intervention is paid for (``intervention_cover``: free only under a free entitlement
on record, else from a bundle with enough hours) and the earliest slot for one (free ones
need 8 hours' notice).

Instants are timezone-aware; ``tz`` names the zone in which calendar days are counted and
shown ("ended on 30 November 2026").
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from partners import eligibility
from partners.dates import format_day

PURCHASE_WINDOW_DAYS = 30
RESELLER_MIN_VOLUME = Decimal("6000")  # EUR; the volume must be strictly above it
FREE_INTERVENTION_NOTICE = timedelta(hours=8)
SLOT_STEP = timedelta(minutes=15)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Channel(StrEnum):
    PORTAL = "portal"
    PHONE = "phone"
    EMAIL = "email"  # e-mail follow-ups on an existing case


class Kind(StrEnum):
    PURCHASE_WINDOW = "purchase_window"
    HOUR_BUNDLE = "hour_bundle"
    MAINTENANCE_CONTRACT = "maintenance_contract"
    RESELLER_STATUS = "reseller_status"


KIND_LABELS: dict[Kind, str] = {
    Kind.PURCHASE_WINDOW: "Free support after a purchase",
    Kind.HOUR_BUNDLE: "Support-hour bundle",
    Kind.MAINTENANCE_CONTRACT: "Maintenance contract",
    Kind.RESELLER_STATUS: "Reseller status",
}

_ALL_CHANNELS = frozenset(Channel)
CHANNELS: dict[Kind, frozenset[Channel]] = {
    Kind.PURCHASE_WINDOW: frozenset({Channel.PORTAL, Channel.EMAIL}),
    Kind.HOUR_BUNDLE: _ALL_CHANNELS,
    Kind.MAINTENANCE_CONTRACT: _ALL_CHANNELS,
    Kind.RESELLER_STATUS: frozenset({Channel.PHONE}),
}

# The order in which entitlements are tried: the broadest first, the free window after the
# paid ones so that a covered request is booked against what the partner pays for.
_PRIORITY: dict[Kind, int] = {
    Kind.MAINTENANCE_CONTRACT: 0,
    Kind.HOUR_BUNDLE: 1,
    Kind.PURCHASE_WINDOW: 2,
    Kind.RESELLER_STATUS: 3,
}

_CHANNEL_NAMES: dict[Channel, str] = {
    Channel.PORTAL: "the portal",
    Channel.PHONE: "phone",
    Channel.EMAIL: "e-mail",
}


# --- free support after a purchase ---------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    case_type: str
    reason: str | None = None
    category: str | None = None


COVERED_REASONS = frozenset({("tech_support", "devices"), ("tech_support", "pbx-configuration")})
# Dial plans are outside the free window; a hardware fault is a warranty (RMA) matter.
EXCLUDED_CATEGORIES = frozenset({"dialplan", "hardware-fault"})


def purchase_window_covers(topic: Topic) -> bool:
    return (
        topic.case_type,
        topic.reason,
    ) in COVERED_REASONS and topic.category not in EXCLUDED_CATEGORIES


def purchase_window_bounds(purchased_on: date, tz: str) -> tuple[datetime, datetime]:
    """[local midnight of the purchase day, local midnight 30 days later) in ``tz``, in UTC."""
    zone = ZoneInfo(tz)
    end_day = purchased_on + timedelta(days=PURCHASE_WINDOW_DAYS)
    starts_at = datetime.combine(purchased_on, time(0), tzinfo=zone)
    ends_at = datetime.combine(end_day, time(0), tzinfo=zone)
    return starts_at.astimezone(UTC), ends_at.astimezone(UTC)


def reseller_status_qualifies(*, purchase_volume_eur: Decimal, contract_signed: bool) -> bool:
    return purchase_volume_eur > RESELLER_MIN_VOLUME and contract_signed


# --- entitlements and the access decision -------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One entitlement as the rules see it."""

    pk: int
    kind: Kind
    label: str
    starts_at: datetime  # active on [starts_at, ends_at)
    ends_at: datetime
    serials: frozenset[str] = frozenset()  # purchase window: the purchased devices' serials
    remaining_minutes: int | None = None  # hour bundle: balance
    qualifies: bool = True  # reseller status: volume and contract conditions met

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    @property
    def has_balance(self) -> bool:
        return (self.remaining_minutes or 0) > 0


@dataclass(frozen=True)
class Access:
    allowed: bool
    tier: eligibility.Decision  # the tier rule's own answer
    granted_by: Grant | None = None  # None when the tier allows it, or when nothing does
    # Only when refused: for each entitlement on file, why it does not cover this request.
    notes: tuple[str, ...] = ()
    # Only when refused: what would make the request eligible.
    suggestions: tuple[str, ...] = ()

    @property
    def outcome(self) -> eligibility.Outcome:
        return eligibility.Outcome.ALLOWED if self.allowed else self.tier.outcome

    @property
    def policy_version(self) -> str:
        return self.tier.policy_version

    @property
    def contact(self) -> eligibility.Contact | None:
        return self.tier.contact

    @property
    def limited_to(self) -> tuple[str, ...]:
        return self.tier.limited_to

    @property
    def also_direct(self) -> tuple[str, ...]:
        return self.tier.also_direct


def _last_day(grant: Grant, zone: ZoneInfo) -> date:
    return (grant.ends_at - timedelta(microseconds=1)).astimezone(zone).date()


def _serial_list(serials: frozenset[str]) -> str:
    return ", ".join(sorted(serials)) if serials else "none on file"


def _channel_note(grant: Grant, channel: Channel) -> str:
    if channel is Channel.PHONE:
        return (
            f"{grant.label}: does not include phone support, which comes with reseller "
            "status, a support-hour bundle or a maintenance contract."
        )
    covered = " and ".join(_CHANNEL_NAMES[c] for c in Channel if c in CHANNELS[grant.kind])
    return f"{grant.label}: covers {covered} only, not {_CHANNEL_NAMES[channel]}."


def _refusal(
    grant: Grant, *, channel: Channel, topic: Topic, serial: str | None, at: datetime, zone
) -> str | None:
    """Why ``grant`` does not cover the request, in one sentence; None when it does."""
    if at < grant.starts_at:
        starts_on = format_day(grant.starts_at.astimezone(zone).date())
        return f"{grant.label}: starts on {starts_on}, so it does not cover this yet."
    if at >= grant.ends_at:
        return f"{grant.label}: ended on {format_day(_last_day(grant, zone))}."
    if channel not in CHANNELS[grant.kind]:
        return _channel_note(grant, channel)
    if grant.kind is Kind.HOUR_BUNDLE and not grant.has_balance:
        return f"{grant.label}: all the hours on this bundle are used up."
    if grant.kind is Kind.PURCHASE_WINDOW:
        if topic.category == "hardware-fault":
            return (
                f"{grant.label}: a faulty device is a warranty matter, handled through an "
                "RMA request rather than free support."
            )
        if not purchase_window_covers(topic):
            return (
                f"{grant.label}: covers installation, start-up and device configuration, "
                "not dial plans, operating systems or the customer's network equipment."
            )
        if serial is None:
            return (
                f"{grant.label}: the case must name one of the purchased devices "
                f"({_serial_list(grant.serials)})."
            )
        if serial not in grant.serials:
            return (
                f"{grant.label}: device {serial} is not one of the purchased devices "
                f"({_serial_list(grant.serials)})."
            )
    if grant.kind is Kind.RESELLER_STATUS and not grant.qualifies:
        return (
            f"{grant.label}: the conditions are not met (purchases above 6,000 EUR and a "
            "signed reseller contract)."
        )
    return None


def _suggestions(
    grants: list[Grant], *, channel: Channel, serial: str | None, at: datetime, zone
) -> tuple[str, ...]:
    active = [g for g in grants if g.active(at)]
    suggestions: list[str] = []
    if not any(g.kind is Kind.HOUR_BUNDLE and g.has_balance for g in active):
        suggestions.append("Buy a bundle of support hours through your sales contact.")
    if not any(g.kind is Kind.MAINTENANCE_CONTRACT for g in active):
        suggestions.append("Take out an annual maintenance contract through your sales contact.")
    if channel is Channel.PHONE and not any(
        g.kind is Kind.RESELLER_STATUS and g.qualifies for g in active
    ):
        suggestions.append(
            "Phone support comes with reseller status: purchases above 6,000 EUR and a "
            "signed reseller contract."
        )
    if serial is not None:
        for grant in grants:
            if (
                grant.kind is Kind.PURCHASE_WINDOW
                and serial in grant.serials
                and at >= grant.ends_at
            ):
                line = (
                    f"The free support window for device {serial} ended on "
                    f"{format_day(_last_day(grant, zone))}."
                )
                if line not in suggestions:
                    suggestions.append(line)
    return tuple(suggestions)


def decide(
    *,
    tier: eligibility.Decision,
    channel: Channel,
    topic: Topic,
    serial: str | None,
    grants: Iterable[Grant],
    at: datetime,
    tz: str = "UTC",
) -> Access:
    """Whether a request may go ahead: the tier allows it, or the first covering entitlement.

    Entitlements are tried maintenance contract, hour bundle, purchase window, reseller
    status, ties by pk. A refusal carries one note per entitlement on file, in that order,
    and the suggestions that would make the request eligible.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    zone = ZoneInfo(tz)
    if tier.allowed:
        return Access(True, tier)
    ordered = sorted(grants, key=lambda g: (_PRIORITY[g.kind], g.pk))
    notes: list[str] = []
    for grant in ordered:
        note = _refusal(grant, channel=channel, topic=topic, serial=serial, at=at, zone=zone)
        if note is None:
            return Access(True, tier, granted_by=grant)
        notes.append(note)
    suggestions = _suggestions(ordered, channel=channel, serial=serial, at=at, zone=zone)
    return Access(False, tier, notes=tuple(notes), suggestions=suggestions)


# --- logging time against a bundle --------------------------------------------------------


@dataclass(frozen=True)
class Consumption:
    allowed: bool
    remaining_after: int  # the balance once logged; unchanged when refused
    over_by: int  # minutes beyond the balance (also when refused: what an override would add)
    reason: str


def _minutes(count: int) -> str:
    return f"{count} minute" if count == 1 else f"{count} minutes"


def consume(*, remaining_minutes: int, minutes: int, override: bool) -> Consumption:
    """Log ``minutes`` against a bundle. Going beyond the balance needs a staff override."""
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    after = remaining_minutes - minutes
    if after >= 0:
        return Consumption(True, after, 0, f"Logged {_minutes(minutes)}; {after} left.")
    over_by = minutes - max(remaining_minutes, 0)
    if remaining_minutes > 0:
        left = f"Only {_minutes(remaining_minutes)} {'is' if remaining_minutes == 1 else 'are'}"
        left += " left on the bundle"
    else:
        left = "No minutes are left on the bundle"
    if not override:
        return Consumption(
            False, remaining_minutes, over_by, f"{left}; logging {minutes} needs a staff override."
        )
    return Consumption(
        True,
        after,
        over_by,
        f"{left}; {minutes} logged with a staff override, {_minutes(over_by)} over.",
    )


def crosses_low_balance(*, before: int, after: int, threshold: int) -> bool:
    return before > threshold >= after


def billable_by_default(*, from_bundle: bool, under_contract: bool) -> bool:
    """Whether time is billable when the agent does not say: only when it is drawn from a
    support-hour bundle or the organisation has a maintenance contract running, since only
    then did the partner buy the time. Anything else (work under the tier's own support, a
    free window) is not billed unless the agent says so, the reading a partner would hold
    the vendor to."""
    return from_bundle or under_contract


# --- remote access and scheduling ---------------------------------------------------------


class Platform(StrEnum):
    ASTERISK = "asterisk"  # Asterisk-based systems, Elastix included
    THREECX = "3cx"
    WILDIX = "wildix"
    OTHER = "other"


_NO_COMMERCIAL_TOOLS = (
    "No commercial remote-control tool (TeamViewer, AnyDesk and the like) will be used."
)
REMOTE_ACCESS: dict[Platform, tuple[str, ...]] = {
    Platform.ASTERISK: (
        "SSH access to the system: address, port and an account for our technician.",
        _NO_COMMERCIAL_TOOLS,
    ),
    Platform.THREECX: (
        "Access to the 3CX server by remote desktop, VNC or the 3CX web admin panel.",
        _NO_COMMERCIAL_TOOLS,
    ),
    Platform.WILDIX: (
        "Access to the Wildix web admin panel, with an account for our technician.",
        _NO_COMMERCIAL_TOOLS,
    ),
    Platform.OTHER: (
        "Describe how our technician can reach the system: method, address and account.",
        _NO_COMMERCIAL_TOOLS,
    ),
}

# Their licences do not allow our technicians to use them on customers' systems.
FORBIDDEN_TOOLS = ("teamviewer", "anydesk", "splashtop", "logmein")


def remote_tool_refused(text: str) -> str | None:
    """The forbidden tool that ``text`` names first (case-insensitive), else None."""
    lowered = text.casefold()
    found = [(lowered.find(tool), tool) for tool in FORBIDDEN_TOOLS if tool in lowered]
    return min(found)[1] if found else None


# --- paying for a remote intervention ------------------------------------------------------

# What a remote intervention is expected to take, until the agent books its real length.
INTERVENTION_MINUTES = 60

# The entitlements under which an intervention costs the partner nothing.
FREE_KINDS = frozenset({Kind.MAINTENANCE_CONTRACT, Kind.PURCHASE_WINDOW})


@dataclass(frozen=True)
class InterventionCover:
    allowed: bool
    free: bool
    grant: Grant | None  # what covers it: a free entitlement or the bundle it is drawn from
    reason: str
    suggestions: tuple[str, ...] = ()  # only when refused: what would cover it


def _hours(minutes: int) -> str:
    hours, rest = divmod(max(minutes, 0), 60)
    if not rest:
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{hours} h {rest:02d} min"


def intervention_cover(
    *,
    grants: Iterable[Grant],
    topic: Topic,
    serial: str | None,
    at: datetime,
    minutes: int = INTERVENTION_MINUTES,
    tz: str = "UTC",
) -> InterventionCover:
    """How a remote intervention on a case is paid for; the partner's word does not make
    it free.

    Free when a free entitlement on record covers the case at ``at``: a running maintenance
    contract, or the free window after a purchase that covers the case's topic and device
    (as ``decide`` checks it, through the portal). Otherwise drawn from the running
    support-hour bundle with at least ``minutes`` left, the oldest first (pk order), so
    hours bought earlier are used up first. Otherwise refused, saying what would cover it.
    A bundle with some but too few hours does not cover it: the partner tops it up first,
    rather than the intervention going past the balance without a staff override.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    zone = ZoneInfo(tz)
    ordered = sorted(grants, key=lambda g: (_PRIORITY[g.kind], g.pk))
    for grant in ordered:
        if grant.kind in FREE_KINDS and (
            _refusal(grant, channel=Channel.PORTAL, topic=topic, serial=serial, at=at, zone=zone)
            is None
        ):
            return InterventionCover(
                True, True, grant, f"Free: this case is covered by {grant.label}."
            )
    bundles = sorted(
        (g for g in ordered if g.kind is Kind.HOUR_BUNDLE and g.active(at)), key=lambda g: g.pk
    )
    for bundle in bundles:
        if (bundle.remaining_minutes or 0) >= minutes:
            return InterventionCover(
                True,
                False,
                bundle,
                f"Paid: drawn from {bundle.label} ({_hours(bundle.remaining_minutes or 0)} left).",
            )
    suggestions = []
    for bundle in bundles:
        suggestions.append(
            f"{bundle.label} has {_hours(bundle.remaining_minutes or 0)} left; an intervention "
            f"needs {_hours(minutes)}. Top it up through your sales contact."
        )
    if not bundles:
        suggestions.append("Buy a bundle of support hours through your sales contact.")
    if not any(g.kind is Kind.MAINTENANCE_CONTRACT and g.active(at) for g in ordered):
        suggestions.append(
            "An annual maintenance contract makes interventions free; ask your sales contact."
        )
    suggestions += [
        note
        for grant in ordered
        if grant.kind is Kind.PURCHASE_WINDOW
        and (
            note := _refusal(
                grant, channel=Channel.PORTAL, topic=topic, serial=serial, at=at, zone=zone
            )
        )
    ]
    return InterventionCover(
        False,
        False,
        None,
        "Nothing on record pays for a remote intervention on this case.",
        tuple(suggestions),
    )


def _round_up(instant: datetime) -> datetime:
    """Up to the next SLOT_STEP boundary of UTC time (quarter hours also locally: every
    current UTC offset is a multiple of 15 minutes)."""
    utc = instant.astimezone(UTC)
    past = (utc - _EPOCH) % SLOT_STEP
    return utc if not past else utc + (SLOT_STEP - past)


def earliest_slot(*, requested_at: datetime, free: bool) -> datetime:
    """The first slot start that may be booked, in ``requested_at``'s zone. Free
    interventions need 8 hours of real time between request and slot, DST or not."""
    if requested_at.tzinfo is None:
        raise ValueError("requested_at must be timezone-aware")
    notice = FREE_INTERVENTION_NOTICE if free else timedelta(0)
    return _round_up(requested_at.astimezone(UTC) + notice).astimezone(requested_at.tzinfo)


def slot_allowed(*, slot_start: datetime, requested_at: datetime, free: bool) -> bool:
    return slot_start >= earliest_slot(requested_at=requested_at, free=free)
