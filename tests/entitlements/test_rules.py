"""Entitlement rules: who is served beyond the tier rule, by example and by property.

Expectations come from the digest of the distributor support conditions in
``reference/README.md``: free e-mail support for 30 days after buying a device, for
installation, start-up and device configuration of that device (not dial plans, operating
systems or network equipment); paid hour bundles and maintenance contracts for everything
else; phone support with reseller status (more than 6,000 EUR bought and a signed reseller
contract); free interventions booked at least 8 hours ahead; no commercial remote-control
tools.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entitlements.rules import (
    CHANNELS,
    COVERED_REASONS,
    EXCLUDED_CATEGORIES,
    FORBIDDEN_TOOLS,
    KIND_LABELS,
    REMOTE_ACCESS,
    Access,
    Channel,
    Grant,
    Kind,
    Platform,
    Topic,
    billable_by_default,
    consume,
    crosses_low_balance,
    decide,
    earliest_slot,
    purchase_window_bounds,
    purchase_window_covers,
    remote_tool_refused,
    reseller_status_qualifies,
    slot_allowed,
)
from partners import eligibility
from partners.eligibility import Contact, Decision, Outcome

AT = datetime(2026, 11, 12, 9, 30, tzinfo=UTC)
US = timedelta(microseconds=1)
ZONES = ["UTC", "Europe/Rome", "America/New_York"]

DIRECT = Decision(Outcome.ALLOWED, "2026-03")
BRONZE_LIMITED = Decision(
    Outcome.REFER_UPSTREAM,
    "2026-03",
    contact=Contact("Nordic Distribution", "support@nordic.test"),
    limited_to=("Cloud PBX unreachable", "Password reset"),
)
RESELLER_UPSTREAM = Decision(
    Outcome.REFER_UPSTREAM, "2026-03", contact=Contact("Nordic Distribution", "n@x.test")
)
END_CUSTOMER = Decision(
    Outcome.REFER_INSTALLER, "2026-03", contact=Contact("Alpine", "a@x.test", "+39 0471 000")
)
REFUSED_TIERS = {
    "bronze-limited": BRONZE_LIMITED,
    "reseller-upstream": RESELLER_UPSTREAM,
    "end-customer-installer": END_CUSTOMER,
}

DEVICES = Topic("tech_support", "devices")
PBX_CONFIG = Topic("tech_support", "pbx-configuration", "provisioning")
DIAL_PLAN = Topic("tech_support", "pbx-configuration", "dialplan")
BILLING = Topic("customer_care", "billing")
SERIAL = "W01-5521"


def grant(kind, *, pk=1, starts_at=None, ends_at=None, **fields):
    return Grant(
        pk=pk,
        kind=kind,
        label=fields.pop("label", KIND_LABELS[kind]),
        starts_at=starts_at or AT - timedelta(days=10),
        ends_at=ends_at or AT + timedelta(days=10),
        **fields,
    )


def window(purchased_on=date(2026, 11, 1), tz="UTC", *, pk=1, serials=(SERIAL,)):
    starts_at, ends_at = purchase_window_bounds(purchased_on, tz)
    return Grant(
        pk=pk,
        kind=Kind.PURCHASE_WINDOW,
        label=KIND_LABELS[Kind.PURCHASE_WINDOW],
        starts_at=starts_at,
        ends_at=ends_at,
        serials=frozenset(serials),
    )


def covering(kind):
    """A grant of ``kind`` that covers a device question about SERIAL at AT."""
    if kind is Kind.PURCHASE_WINDOW:
        return grant(kind, serials=frozenset({SERIAL, "W01-0001"}))
    if kind is Kind.HOUR_BUNDLE:
        return grant(kind, remaining_minutes=120)
    return grant(kind)


def ask(
    *grants,
    tier=BRONZE_LIMITED,
    channel=Channel.PORTAL,
    topic=DEVICES,
    serial=SERIAL,
    at=AT,
    tz="UTC",
):
    return decide(
        tier=tier, channel=channel, topic=topic, serial=serial, grants=grants, at=at, tz=tz
    )


# --- constants ------------------------------------------------------------------------------


def test_channels_per_kind():
    assert {
        Kind.PURCHASE_WINDOW: {Channel.PORTAL, Channel.EMAIL},
        Kind.HOUR_BUNDLE: {Channel.PORTAL, Channel.PHONE, Channel.EMAIL},
        Kind.MAINTENANCE_CONTRACT: {Channel.PORTAL, Channel.PHONE, Channel.EMAIL},
        Kind.RESELLER_STATUS: {Channel.PHONE},
    } == CHANNELS


def test_kind_labels():
    assert KIND_LABELS == {
        Kind.PURCHASE_WINDOW: "Free support after a purchase",
        Kind.HOUR_BUNDLE: "Support-hour bundle",
        Kind.MAINTENANCE_CONTRACT: "Maintenance contract",
        Kind.RESELLER_STATUS: "Reseller status",
    }


@pytest.mark.parametrize(
    ("topic", "covered"),
    [
        (Topic("tech_support", "devices"), True),
        (Topic("tech_support", "devices", "provisioning"), True),
        (Topic("tech_support", "pbx-configuration"), True),
        (Topic("tech_support", "pbx-configuration", "dialplan"), False),
        (Topic("tech_support", "devices", "hardware-fault"), False),
        (Topic("tech_support", "network"), False),
        (Topic("tech_support"), False),
        (Topic("customer_care", "devices"), False),
    ],
)
def test_purchase_window_covers(topic, covered):
    assert purchase_window_covers(topic) is covered
    assert {("tech_support", "devices"), ("tech_support", "pbx-configuration")} == COVERED_REASONS
    assert {"dialplan", "hardware-fault"} == EXCLUDED_CATEGORIES


@pytest.mark.parametrize(
    ("volume", "signed", "qualifies"),
    [
        (Decimal("6000"), True, False),
        (Decimal("6000.00"), True, False),
        (Decimal("6000.01"), True, True),
        (Decimal("6000.01"), False, False),
        (Decimal("25000"), True, True),
        (Decimal("25000"), False, False),
        (Decimal("0"), True, False),
    ],
)
def test_reseller_status_qualifies(volume, signed, qualifies):
    assert reseller_status_qualifies(purchase_volume_eur=volume, contract_signed=signed) is (
        qualifies
    )


# --- purchase window bounds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("purchased_on", "tz", "starts_at", "ends_at"),
    [
        (
            date(2026, 11, 1),
            "UTC",
            datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2026, 12, 1, tzinfo=UTC),
        ),
        # Rome leaves summer time on 25 October 2026: +02:00 at the start, +01:00 at the end.
        (
            date(2026, 10, 10),
            "Europe/Rome",
            datetime(2026, 10, 9, 22, tzinfo=UTC),
            datetime(2026, 11, 8, 23, tzinfo=UTC),
        ),
        # New York enters summer time on 8 March 2026.
        (
            date(2026, 3, 1),
            "America/New_York",
            datetime(2026, 3, 1, 5, tzinfo=UTC),
            datetime(2026, 3, 31, 4, tzinfo=UTC),
        ),
    ],
)
def test_purchase_window_bounds(purchased_on, tz, starts_at, ends_at):
    bounds = purchase_window_bounds(purchased_on, tz)
    assert bounds == (starts_at, ends_at)
    assert all(b.utcoffset() == timedelta(0) for b in bounds)


def test_grant_is_active_on_a_half_open_interval():
    g = window(date(2026, 11, 1))
    assert not g.active(datetime(2026, 11, 1, tzinfo=UTC) - US)
    assert g.active(datetime(2026, 11, 1, tzinfo=UTC))
    assert g.active(datetime(2026, 12, 1, tzinfo=UTC) - US)
    assert not g.active(datetime(2026, 12, 1, tzinfo=UTC))


# --- decide: the table ----------------------------------------------------------------------

KIND_CHANNEL_TABLE = [
    (Kind.PURCHASE_WINDOW, Channel.PORTAL, True),
    (Kind.PURCHASE_WINDOW, Channel.EMAIL, True),
    (Kind.PURCHASE_WINDOW, Channel.PHONE, False),
    (Kind.HOUR_BUNDLE, Channel.PORTAL, True),
    (Kind.HOUR_BUNDLE, Channel.EMAIL, True),
    (Kind.HOUR_BUNDLE, Channel.PHONE, True),
    (Kind.MAINTENANCE_CONTRACT, Channel.PORTAL, True),
    (Kind.MAINTENANCE_CONTRACT, Channel.EMAIL, True),
    (Kind.MAINTENANCE_CONTRACT, Channel.PHONE, True),
    (Kind.RESELLER_STATUS, Channel.PORTAL, False),
    (Kind.RESELLER_STATUS, Channel.EMAIL, False),
    (Kind.RESELLER_STATUS, Channel.PHONE, True),
]


@pytest.mark.parametrize("tier_name", list(REFUSED_TIERS))
@pytest.mark.parametrize(("kind", "channel", "allowed"), KIND_CHANNEL_TABLE)
def test_entitlement_by_channel_for_a_refused_tier(tier_name, kind, channel, allowed):
    tier = REFUSED_TIERS[tier_name]
    g = covering(kind)
    access = ask(g, tier=tier, channel=channel)
    assert access.allowed is allowed
    assert access.tier is tier
    assert access.policy_version == "2026-03"
    assert access.contact == tier.contact
    assert access.limited_to == tier.limited_to
    if allowed:
        assert access.granted_by == g
        assert access.outcome is Outcome.ALLOWED
        assert access.notes == ()
        assert access.suggestions == ()
    else:
        assert access.granted_by is None
        assert access.outcome is tier.outcome
        assert len(access.notes) == 1
        assert access.notes[0].startswith(f"{KIND_LABELS[kind]}: ")


@pytest.mark.parametrize("tier_name", list(REFUSED_TIERS))
@pytest.mark.parametrize("channel", list(Channel))
def test_nothing_on_file_is_refused_with_suggestions(tier_name, channel):
    access = ask(tier=REFUSED_TIERS[tier_name], channel=channel)
    assert not access.allowed
    assert access.notes == ()
    assert access.suggestions[:2] == (
        "Buy a bundle of support hours through your sales contact.",
        "Take out an annual maintenance contract through your sales contact.",
    )
    phone = [s for s in access.suggestions if "reseller status" in s]
    assert bool(phone) is (channel is Channel.PHONE)


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize(
    "grants",
    [
        (),
        (grant(Kind.HOUR_BUNDLE, remaining_minutes=0),),
        (grant(Kind.RESELLER_STATUS, qualifies=False),),
        (window(date(2025, 1, 1)),),
    ],
    ids=["none", "empty-bundle", "unqualified-reseller", "expired-window"],
)
def test_tier_allowed_ignores_grants(channel, grants):
    access = ask(*grants, tier=DIRECT, channel=channel, topic=BILLING, serial=None)
    assert access == Access(True, DIRECT)
    assert access.outcome is Outcome.ALLOWED


@pytest.mark.parametrize("tier_name", list(REFUSED_TIERS))
@pytest.mark.parametrize("tz", ["Europe/Rome", "America/New_York"])
def test_purchase_window_first_and_last_instant_and_end(tier_name, tz):
    tier = REFUSED_TIERS[tier_name]
    g = window(date(2026, 11, 1), tz)
    first, end = purchase_window_bounds(date(2026, 11, 1), tz)
    assert ask(g, tier=tier, at=first, tz=tz).granted_by == g
    assert ask(g, tier=tier, at=end - US, tz=tz).granted_by == g
    assert not ask(g, tier=tier, at=first - US, tz=tz).allowed
    refused = ask(g, tier=tier, at=end, tz=tz)
    assert not refused.allowed
    assert refused.notes == ("Free support after a purchase: ended on 30 November 2026.",)
    assert "The free support window for device W01-5521 ended on 30 November 2026." in (
        refused.suggestions
    )


def test_ended_on_is_the_last_local_day_in_the_callers_zone():
    # New York's window ends at 05:00 UTC on 1 December: still 30 November in New York.
    g = window(date(2026, 11, 1), "America/New_York")
    at = datetime(2026, 12, 2, tzinfo=UTC)
    assert ask(g, at=at, tz="America/New_York").notes == (
        "Free support after a purchase: ended on 30 November 2026.",
    )
    assert ask(g, at=at, tz="UTC").notes == (
        "Free support after a purchase: ended on 1 December 2026.",
    )


def test_not_started_yet_names_the_local_start_day():
    g = window(date(2026, 12, 1), "Europe/Rome")
    access = ask(g, at=datetime(2026, 11, 30, 22, 59, tzinfo=UTC), tz="Europe/Rome")
    assert access.notes == (
        "Free support after a purchase: starts on 1 December 2026, so it does not cover this yet.",
    )


@pytest.mark.parametrize(
    ("age_days", "allowed"), [(0, True), (20, True), (29, True), (30, False), (31, False)]
)
@pytest.mark.parametrize("tz", ZONES)
def test_purchase_by_age(age_days, allowed, tz):
    at = datetime(2026, 11, 12, 15, tzinfo=UTC)
    purchased_on = at.astimezone(ZoneInfo(tz)).date() - timedelta(days=age_days)
    access = ask(window(purchased_on, tz), at=at, tz=tz)
    assert access.allowed is allowed
    if not allowed:
        last_day = purchased_on + timedelta(days=29)
        assert access.notes == (
            f"Free support after a purchase: ended on {last_day.day} November 2026.",
        )
        assert last_day.month == 11


def test_purchase_window_wrong_topic():
    access = ask(window(), topic=DIAL_PLAN, at=datetime(2026, 11, 5, tzinfo=UTC))
    assert not access.allowed
    assert access.notes == (
        "Free support after a purchase: covers installation, start-up and device "
        "configuration, not dial plans, operating systems or the customer's network equipment.",
    )


def test_purchase_window_hardware_fault_is_a_warranty_matter():
    topic = Topic("tech_support", "devices", "hardware-fault")
    access = ask(window(), topic=topic, at=datetime(2026, 11, 5, tzinfo=UTC))
    assert not access.allowed
    assert "warranty" in access.notes[0]
    assert "RMA" in access.notes[0]


def test_purchase_window_covers_pbx_configuration_of_the_device():
    assert ask(window(), topic=PBX_CONFIG, at=datetime(2026, 11, 5, tzinfo=UTC)).allowed


@pytest.mark.parametrize(
    ("serial", "note"),
    [
        (
            None,
            "Free support after a purchase: the case must name one of the purchased "
            "devices (W01-0001, W01-5521).",
        ),
        (
            "X99-0000",
            "Free support after a purchase: device X99-0000 is not one of the "
            "purchased devices (W01-0001, W01-5521).",
        ),
    ],
)
def test_purchase_window_needs_a_purchased_serial(serial, note):
    g = window(serials=("W01-5521", "W01-0001"))
    access = ask(g, serial=serial, at=datetime(2026, 11, 5, tzinfo=UTC))
    assert not access.allowed
    assert access.notes == (note,)


def test_phone_on_a_purchase_window():
    access = ask(window(), channel=Channel.PHONE, at=datetime(2026, 11, 5, tzinfo=UTC))
    assert not access.allowed
    assert access.notes == (
        "Free support after a purchase: does not include phone support, which comes with "
        "reseller status, a support-hour bundle or a maintenance contract.",
    )
    assert access.suggestions == (
        "Buy a bundle of support hours through your sales contact.",
        "Take out an annual maintenance contract through your sales contact.",
        "Phone support comes with reseller status: purchases above 6,000 EUR and a signed "
        "reseller contract.",
    )


def test_reseller_status_on_the_portal():
    access = ask(grant(Kind.RESELLER_STATUS), channel=Channel.PORTAL)
    assert access.notes == ("Reseller status: covers phone only, not the portal.",)


@pytest.mark.parametrize(
    ("minutes", "allowed"), [(120, True), (1, True), (0, False), (-15, False), (None, False)]
)
@pytest.mark.parametrize("channel", list(Channel))
def test_bundle_balance(minutes, allowed, channel):
    g = grant(Kind.HOUR_BUNDLE, remaining_minutes=minutes)
    access = ask(g, channel=channel, topic=BILLING, serial=None)
    assert access.allowed is allowed
    if not allowed:
        assert access.notes == ("Support-hour bundle: all the hours on this bundle are used up.",)
        assert access.suggestions[0] == "Buy a bundle of support hours through your sales contact."


def test_bundle_running_out_during_a_case():
    first = consume(remaining_minutes=120, minutes=90, override=False)
    assert (first.allowed, first.remaining_after, first.over_by) == (True, 30, 0)
    assert ask(grant(Kind.HOUR_BUNDLE, remaining_minutes=first.remaining_after)).allowed

    refused = consume(remaining_minutes=30, minutes=45, override=False)
    assert not refused.allowed
    assert refused.remaining_after == 30
    assert (
        refused.reason
        == "Only 30 minutes are left on the bundle; logging 45 needs a staff override."
    )

    forced = consume(remaining_minutes=30, minutes=45, override=True)
    assert (forced.allowed, forced.remaining_after, forced.over_by) == (True, -15, 15)
    access = ask(grant(Kind.HOUR_BUNDLE, remaining_minutes=forced.remaining_after))
    assert not access.allowed
    assert "used up" in access.notes[0]


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("topic", [DEVICES, DIAL_PLAN, BILLING])
def test_maintenance_contract_allows_every_channel_and_topic(channel, topic):
    g = grant(Kind.MAINTENANCE_CONTRACT)
    assert ask(g, channel=channel, topic=topic, serial=None).granted_by == g


@pytest.mark.parametrize(
    ("volume", "signed", "channel", "allowed"),
    [
        (Decimal("6000.00"), True, Channel.PHONE, False),
        (Decimal("6000.01"), True, Channel.PHONE, True),
        (Decimal("6000.01"), False, Channel.PHONE, False),
        (Decimal("6000.01"), True, Channel.PORTAL, False),
        (Decimal("6000.01"), True, Channel.EMAIL, False),
    ],
)
def test_reseller_status(volume, signed, channel, allowed):
    qualifies = reseller_status_qualifies(purchase_volume_eur=volume, contract_signed=signed)
    access = ask(grant(Kind.RESELLER_STATUS, qualifies=qualifies), channel=channel, topic=BILLING)
    assert access.allowed is allowed
    if channel is Channel.PHONE and not allowed:
        assert access.notes == (
            "Reseller status: the conditions are not met (purchases above 6,000 EUR and a "
            "signed reseller contract).",
        )
        assert any(
            s.startswith("Phone support comes with reseller status") for s in access.suggestions
        )


def test_priority_contract_then_bundle_then_window_then_reseller_ties_by_pk():
    contract = grant(Kind.MAINTENANCE_CONTRACT, pk=9)
    bundle_a = grant(Kind.HOUR_BUNDLE, pk=7, remaining_minutes=60)
    bundle_b = grant(Kind.HOUR_BUNDLE, pk=3, remaining_minutes=60)
    purchase = grant(Kind.PURCHASE_WINDOW, pk=1, serials=frozenset({SERIAL}))
    reseller = grant(Kind.RESELLER_STATUS, pk=2)
    pool = [reseller, purchase, bundle_a, bundle_b, contract]
    assert ask(*pool, channel=Channel.PHONE).granted_by == contract
    assert ask(*pool[:-1], channel=Channel.PHONE).granted_by == bundle_b
    assert ask(reseller, purchase).granted_by == purchase
    assert ask(reseller, purchase, channel=Channel.PHONE).granted_by == reseller


def test_notes_follow_priority_order_one_per_grant():
    grants = [
        grant(Kind.RESELLER_STATUS, pk=1, qualifies=False),
        window(date(2025, 3, 1), "Europe/Rome", pk=2),
        grant(Kind.HOUR_BUNDLE, pk=5, remaining_minutes=0, label="Bundle B-5"),
        grant(Kind.HOUR_BUNDLE, pk=4, remaining_minutes=0, label="Bundle B-4"),
        grant(Kind.MAINTENANCE_CONTRACT, pk=3, ends_at=datetime(2026, 1, 1, tzinfo=UTC)),
    ]
    access = ask(*grants, channel=Channel.PHONE, tz="Europe/Rome")
    assert access.notes == (
        "Maintenance contract: ended on 1 January 2026.",
        "Bundle B-4: all the hours on this bundle are used up.",
        "Bundle B-5: all the hours on this bundle are used up.",
        "Free support after a purchase: ended on 30 March 2025.",
        "Reseller status: the conditions are not met (purchases above 6,000 EUR and a signed "
        "reseller contract).",
    )
    assert access.suggestions == (
        "Buy a bundle of support hours through your sales contact.",
        "Take out an annual maintenance contract through your sales contact.",
        "Phone support comes with reseller status: purchases above 6,000 EUR and a signed "
        "reseller contract.",
        "The free support window for device W01-5521 ended on 30 March 2025.",
    )
    assert ask(*reversed(grants), channel=Channel.PHONE, tz="Europe/Rome") == access


def test_decide_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="aware"):
        ask(at=datetime(2026, 11, 12, 9, 30))


# --- decide: properties ---------------------------------------------------------------------

BASE = datetime(2026, 6, 1, tzinfo=UTC)
offsets = st.integers(min_value=-60 * 24 * 60, max_value=60 * 24 * 60).map(
    lambda m: BASE + timedelta(minutes=m)
)
tiers = st.sampled_from([DIRECT, BRONZE_LIMITED, RESELLER_UPSTREAM, END_CUSTOMER])
serials = st.sampled_from(["A1", "B2", "C3"])
topics = st.sampled_from([DEVICES, PBX_CONFIG, DIAL_PLAN, BILLING])


@st.composite
def grants(draw):
    starts_at = draw(offsets)
    return Grant(
        pk=draw(st.integers(min_value=1, max_value=50)),
        kind=draw(st.sampled_from(list(Kind))),
        label=draw(st.sampled_from(["G", "Grant with a longer name"])),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=draw(st.integers(1, 90 * 24 * 60))),
        serials=frozenset(draw(st.lists(serials, max_size=3))),
        remaining_minutes=draw(st.none() | st.integers(-60, 600)),
        qualifies=draw(st.booleans()),
    )


requests = st.fixed_dictionaries(
    {
        "tier": tiers,
        "channel": st.sampled_from(list(Channel)),
        "topic": topics,
        "serial": st.none() | serials,
        "at": offsets,
        "tz": st.sampled_from(ZONES),
    }
)


@given(request=requests, before=st.lists(grants(), max_size=5), extra=grants())
def test_adding_a_grant_never_refuses_what_was_allowed(request, before, extra):
    if decide(grants=before, **request).allowed:
        assert decide(grants=[*before, extra], **request).allowed


@given(request=requests, on_file=st.lists(grants(), max_size=5))
def test_allowed_iff_tier_or_a_covering_grant(request, on_file):
    access = decide(grants=on_file, **request)
    assert access.allowed is (request["tier"].allowed or access.granted_by is not None)
    if access.granted_by is not None:
        g = access.granted_by
        assert g in on_file
        assert g.active(request["at"])
        assert request["channel"] in CHANNELS[g.kind]
    if not access.allowed:
        assert len(access.notes) == len(on_file)
        assert access.outcome is request["tier"].outcome
    else:
        assert access.outcome is eligibility.Outcome.ALLOWED


@given(
    purchased_on=st.dates(min_value=date(1980, 1, 1), max_value=date(2100, 12, 31)),
    tz=st.sampled_from(ZONES),
)
def test_purchase_window_spans_thirty_local_days(purchased_on, tz):
    zone = ZoneInfo(tz)
    starts_at, ends_at = purchase_window_bounds(purchased_on, tz)
    start_local, end_local = starts_at.astimezone(zone), ends_at.astimezone(zone)
    assert start_local.date() == purchased_on
    assert (end_local.date() - start_local.date()).days == 30
    assert (start_local.hour, start_local.minute) == (end_local.hour, end_local.minute) == (0, 0)
    assert abs((ends_at - starts_at) - timedelta(days=30)) <= timedelta(hours=1)


# --- consuming bundle time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remaining", "minutes", "override", "allowed", "after", "over_by"),
    [
        (120, 90, False, True, 30, 0),
        (30, 30, False, True, 0, 0),
        (30, 45, False, False, 30, 15),
        (30, 45, True, True, -15, 15),
        (0, 20, False, False, 0, 20),
        (-15, 20, True, True, -35, 20),
    ],
)
def test_consume(remaining, minutes, override, allowed, after, over_by):
    result = consume(remaining_minutes=remaining, minutes=minutes, override=override)
    assert (result.allowed, result.remaining_after, result.over_by) == (allowed, after, over_by)
    assert result.reason


def test_consume_reasons():
    assert consume(remaining_minutes=30, minutes=90, override=False).reason == (
        "Only 30 minutes are left on the bundle; logging 90 needs a staff override."
    )
    assert consume(remaining_minutes=0, minutes=10, override=False).reason == (
        "No minutes are left on the bundle; logging 10 needs a staff override."
    )
    assert "override" in consume(remaining_minutes=30, minutes=45, override=True).reason


@pytest.mark.parametrize("minutes", [0, -1])
def test_consume_needs_positive_minutes(minutes):
    with pytest.raises(ValueError, match="positive"):
        consume(remaining_minutes=60, minutes=minutes, override=True)


@given(
    remaining=st.integers(-600, 6000),
    minutes=st.integers(1, 6000),
    override=st.booleans(),
)
def test_consume_never_loses_minutes(remaining, minutes, override):
    result = consume(remaining_minutes=remaining, minutes=minutes, override=override)
    assert result.allowed is (minutes <= remaining or override)
    if result.allowed:
        assert result.remaining_after == remaining - minutes
    else:
        assert result.remaining_after == remaining
    assert result.over_by == max(0, minutes - max(remaining, 0))


@pytest.mark.parametrize(
    ("before", "after", "threshold", "crosses"),
    [
        (120, 60, 60, True),
        (61, 59, 60, True),
        (60, 30, 60, False),  # already at the threshold before
        (120, 61, 60, False),
        (30, -15, 0, True),
        (0, -15, 0, False),
    ],
)
def test_crosses_low_balance(before, after, threshold, crosses):
    assert crosses_low_balance(before=before, after=after, threshold=threshold) is crosses


# --- remote access and slots ----------------------------------------------------------------


def test_remote_access_checklists():
    assert set(REMOTE_ACCESS) == set(Platform)
    assert "SSH" in REMOTE_ACCESS[Platform.ASTERISK][0]
    for method in ("remote desktop", "VNC", "web admin"):
        assert method in REMOTE_ACCESS[Platform.THREECX][0]
    assert "web admin" in REMOTE_ACCESS[Platform.WILDIX][0]
    assert "describe" in REMOTE_ACCESS[Platform.OTHER][0].lower()
    assert all(any("TeamViewer" in item for item in items) for items in REMOTE_ACCESS.values())


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("We can give you TeamViewer access", "teamviewer"),
        ("ANYDESK id 123 456 789", "anydesk"),
        ("splashtop or LogMeIn, whichever", "splashtop"),
        ("logmein first, then teamviewer", "logmein"),
        ("SSH on port 2222, user support", None),
        ("VNC to 10.0.0.5", None),
        ("", None),
    ],
)
def test_remote_tool_refused(text, tool):
    assert FORBIDDEN_TOOLS == ("teamviewer", "anydesk", "splashtop", "logmein")
    assert remote_tool_refused(text) == tool


ROME = ZoneInfo("Europe/Rome")
KOLKATA = ZoneInfo("Asia/Kolkata")


def nov12(hour, minute, second=0, microsecond=0, tz=UTC):
    return datetime(2026, 11, 12, hour, minute, second, microsecond, tzinfo=tz)


@pytest.mark.parametrize(
    ("requested_at", "free", "expected"),
    [
        (nov12(9, 0), True, nov12(17, 0)),
        (nov12(9, 1), True, nov12(17, 15)),
        (nov12(9, 14, 59, 999999), True, nov12(17, 15)),
        (nov12(9, 0), False, nov12(9, 0)),
        (nov12(9, 0, 1), False, nov12(9, 15)),
        # Across the end of summer time in Rome: 8 real hours, not 8 on the wall clock.
        (
            datetime(2026, 10, 24, 22, 5, tzinfo=ROME),
            True,
            datetime(2026, 10, 25, 5, 15, tzinfo=ROME),
        ),
        # India is 5:30 ahead of UTC: quarter hours are still quarter hours there.
        (nov12(9, 20, tz=KOLKATA), True, nov12(17, 30, tz=KOLKATA)),
    ],
)
def test_earliest_slot(requested_at, free, expected):
    slot = earliest_slot(requested_at=requested_at, free=free)
    assert slot == expected
    assert slot.utcoffset() == expected.utcoffset()


def test_slot_allowed():
    asked = datetime(2026, 11, 12, 9, 5, tzinfo=UTC)
    assert slot_allowed(
        slot_start=datetime(2026, 11, 12, 17, 15, tzinfo=UTC), requested_at=asked, free=True
    )
    assert not slot_allowed(
        slot_start=datetime(2026, 11, 12, 17, 0, tzinfo=UTC), requested_at=asked, free=True
    )
    assert slot_allowed(
        slot_start=datetime(2026, 11, 12, 9, 15, tzinfo=UTC), requested_at=asked, free=False
    )
    assert not slot_allowed(
        slot_start=datetime(2026, 11, 12, 9, 0, tzinfo=UTC), requested_at=asked, free=False
    )


def test_earliest_slot_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="aware"):
        earliest_slot(requested_at=datetime(2026, 11, 12, 9, 0), free=True)


instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, ROME, ZoneInfo("America/New_York")]),
)


@settings(deadline=None)
@given(requested_at=instants)
def test_free_slot_is_eight_hours_ahead_on_a_quarter_hour(requested_at):
    slot = earliest_slot(requested_at=requested_at, free=True).astimezone(UTC)
    soonest = requested_at.astimezone(UTC) + timedelta(hours=8)
    assert soonest <= slot < soonest + timedelta(minutes=15)
    assert (slot.minute % 15, slot.second, slot.microsecond) == (0, 0, 0)
    assert slot_allowed(slot_start=slot, requested_at=requested_at, free=True)
    assert not slot_allowed(slot_start=slot - US, requested_at=requested_at, free=True)


@given(requested_at=instants)
def test_paid_slot_is_the_next_quarter_hour(requested_at):
    slot = earliest_slot(requested_at=requested_at, free=False)
    assert slot.tzinfo is requested_at.tzinfo
    slot, requested_at = slot.astimezone(UTC), requested_at.astimezone(UTC)
    assert requested_at <= slot < requested_at + timedelta(minutes=15)
    assert (slot.minute % 15, slot.second, slot.microsecond) == (0, 0, 0)


@pytest.mark.parametrize(
    ("from_bundle", "under_contract", "billable"),
    [(True, False, True), (False, True, True), (True, True, True), (False, False, False)],
)
def test_time_is_billable_by_default_only_from_a_bundle_or_under_a_contract(
    from_bundle, under_contract, billable
):
    assert billable_by_default(from_bundle=from_bundle, under_contract=under_contract) is billable
