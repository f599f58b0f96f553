"""What the CAPEX purchase terms allow for a bought device (art. 22): whether it is still
under warranty, what an RMA request must include, and whether it may be converted to HWaaS.
Pure, like ``hwaas.rules`` (whose answer, documents and calendar arithmetic it uses): dates
in, answers out; no database, no clock (the caller passes the day).

A warranty runs up to the day before its anniversary; nothing is covered, and no RMA is
possible, once five years have passed since purchase.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hwaas.rules import Decision, Document, add_years, format_day

# Bought on or after: the standard year; before: five years with the extended agreement.
EXTENDED_WARRANTY_CUTOFF = date(2022, 7, 1)
STANDARD_WARRANTY_YEARS = 1
EXTENDED_WARRANTY_YEARS = 5

EXCLUSIONS: dict[str, str] = {
    "misuse": "misuse",
    "neglect": "neglect",
    "accident": "accidental damage",
    "modification": "unauthorised modification",
    "environment": "operation in an unsuitable environment",
    "wear": "normal wear and tear",
    "loss_or_theft": "loss or theft",
}

# The answer to "does any of the exclusions (22.4) apply?" when none does.
NO_EXCLUSION = "none"
EXCLUSION_CHOICES: list[tuple[str, str]] = [
    (NO_EXCLUSION, "None of these: it failed in normal use"),
    *((key, label[0].upper() + label[1:]) for key, label in EXCLUSIONS.items()),
]


def exclusion_key(answer: str) -> str | None:
    """The exclusion an answer names, or None when the partner says none applies."""
    return None if answer in ("", NO_EXCLUSION) else answer


@dataclass(frozen=True)
class Warranty:
    covered: bool
    until: date | None  # last day covered, inclusive
    reason: str
    needs_contract: bool = False


def capex_warranty(
    *, purchased_on: date, on: date, extended_contract: bool = False, exclusion: str | None = None
) -> Warranty:
    """Whether a bought device is under warranty on ``on``.

    Bought on or after 1 July 2022: one year. Bought before it: five years with the signed
    extended agreement (which must be shown once the device is a year old), else one year.
    Cover runs up to the day before the anniversary. Nothing is covered, and no RMA is
    possible, once five years have passed since purchase. ``exclusion`` (a key of
    ``EXCLUSIONS``) names damage the warranty never covers.
    """
    if exclusion is not None and exclusion not in EXCLUSIONS:
        raise ValueError(f"Unknown warranty exclusion: {exclusion!r}")
    extended = extended_contract and purchased_on < EXTENDED_WARRANTY_CUTOFF
    years = EXTENDED_WARRANTY_YEARS if extended else STANDARD_WARRANTY_YEARS
    until = add_years(purchased_on, years) - timedelta(days=1)
    if on < purchased_on:
        return Warranty(False, until, "The request date is before the purchase date.")
    if on >= add_years(purchased_on, EXTENDED_WARRANTY_YEARS):
        return Warranty(
            False,
            until,
            "The device was bought more than five years ago, so it has no warranty and "
            "cannot be returned under RMA any more.",
        )
    if on > until:
        return Warranty(False, until, f"The warranty ended on {format_day(until)}.")
    if exclusion is not None:
        return Warranty(False, until, f"The warranty does not cover {EXCLUSIONS[exclusion]}.")
    needs_contract = extended and on >= add_years(purchased_on, STANDARD_WARRANTY_YEARS)
    kind = "five-year extended" if extended else "one-year"
    reason = f"The {kind} warranty covers the device until {format_day(until)}."
    if needs_contract:
        reason += " The device is over a year old, so the signed agreement must be attached."
    return Warranty(True, until, reason, needs_contract)


def rma_documents(
    *, purchased_on: date, on: date, extended_contract: bool, in_united_states: bool
) -> tuple[Document, ...]:
    warranty = capex_warranty(purchased_on=purchased_on, on=on, extended_contract=extended_contract)
    documents = [Document.FAULT_DESCRIPTION, Document.PROOF_OF_PURCHASE]
    if warranty.needs_contract:
        documents.append(Document.WARRANTY_CONTRACT)
    if in_united_states:
        documents.append(Document.PARCEL_DETAILS)
    return tuple(documents)


def rma(
    *,
    purchased_on: date,
    on: date,
    extended_contract: bool,
    in_united_states: bool,
    exclusion: str | None = None,
) -> Decision:
    """Whether an RMA for a bought device is accepted, and what the request must include.
    ``documents`` is the list a request would need, also when the RMA is refused."""
    warranty = capex_warranty(
        purchased_on=purchased_on, on=on, extended_contract=extended_contract, exclusion=exclusion
    )
    documents = rma_documents(
        purchased_on=purchased_on,
        on=on,
        extended_contract=extended_contract,
        in_united_states=in_united_states,
    )
    if not warranty.covered:
        return Decision(False, warranty.reason + " An RMA is not possible.", documents=documents)
    reason = (
        warranty.reason + " Wildix ships the replacement once it has received and checked the "
        "faulty unit; when none is in stock it may send a refurbished equivalent or a credit "
        "note instead."
    )
    if in_united_states:
        reason += (
            " In the United States, send the parcel's weight and dimensions with the RMA "
            "number to Wildix logistics to get a return label."
        )
    return Decision(True, reason, documents=documents)


def may_convert_to_hwaas(*, operational: bool) -> Decision:
    if operational:
        return Decision(
            True,
            "This working device can be moved to HWaaS at no charge.",
            amount=Decimal("0.00"),
        )
    return Decision(False, "Only a device in working order can be moved to HWaaS.")
