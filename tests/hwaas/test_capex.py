"""CAPEX rules for bought devices: warranty, RMA and conversion, every date boundary by
example, the invariants by property."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hwaas.capex import EXCLUSIONS, capex_warranty, may_convert_to_hwaas, rma, rma_documents
from hwaas.rules import Document, add_years

D = Decimal
FAULT, PROOF = Document.FAULT_DESCRIPTION, Document.PROOF_OF_PURCHASE
CONTRACT, PARCEL = Document.WARRANTY_CONTRACT, Document.PARCEL_DETAILS


# --- CAPEX: warranty -------------------------------------------------------------------------

WARRANTY_CASES = [
    # purchased_on, on, extended_contract, covered, until, needs_contract
    (date(2023, 3, 10), date(2023, 3, 10), False, True, date(2024, 3, 9), False),
    (date(2023, 3, 10), date(2024, 3, 9), False, True, date(2024, 3, 9), False),
    (date(2023, 3, 10), date(2024, 3, 10), False, False, date(2024, 3, 9), False),
    (date(2023, 3, 10), date(2023, 3, 9), False, False, date(2024, 3, 9), False),
    # Bought on the cutoff day: the standard year, whatever the paperwork.
    (date(2022, 7, 1), date(2023, 6, 30), True, True, date(2023, 6, 30), False),
    (date(2022, 7, 1), date(2023, 7, 1), True, False, date(2023, 6, 30), False),
    # Bought the day before: five years with the agreement, one without.
    (date(2022, 6, 30), date(2023, 6, 29), True, True, date(2027, 6, 29), False),
    (date(2022, 6, 30), date(2023, 6, 30), True, True, date(2027, 6, 29), True),
    (date(2022, 6, 30), date(2027, 6, 29), True, True, date(2027, 6, 29), True),
    (date(2022, 6, 30), date(2027, 6, 30), True, False, date(2027, 6, 29), False),
    (date(2022, 6, 30), date(2023, 6, 29), False, True, date(2023, 6, 29), False),
    (date(2022, 6, 30), date(2023, 6, 30), False, False, date(2023, 6, 29), False),
    # 29 February purchases.
    (date(2024, 2, 29), date(2025, 2, 27), False, True, date(2025, 2, 27), False),
    (date(2024, 2, 29), date(2025, 2, 28), False, False, date(2025, 2, 27), False),
    (date(2020, 2, 29), date(2021, 2, 27), True, True, date(2025, 2, 27), False),
    (date(2020, 2, 29), date(2021, 2, 28), True, True, date(2025, 2, 27), True),
    (date(2020, 2, 29), date(2025, 2, 27), True, True, date(2025, 2, 27), True),
    (date(2020, 2, 29), date(2025, 2, 28), True, False, date(2025, 2, 27), False),
]


@pytest.mark.parametrize(
    ("purchased_on", "on", "extended_contract", "covered", "until", "needs_contract"),
    WARRANTY_CASES,
)
def test_capex_warranty(purchased_on, on, extended_contract, covered, until, needs_contract):
    warranty = capex_warranty(purchased_on=purchased_on, on=on, extended_contract=extended_contract)
    assert warranty.covered is covered
    assert warranty.until == until
    assert warranty.needs_contract is needs_contract


@pytest.mark.parametrize(
    ("purchased_on", "extended_contract"),
    [(date(2022, 6, 30), True), (date(2022, 6, 30), False), (date(2021, 1, 1), False)],
)
def test_after_five_years_there_is_no_warranty_or_rma(purchased_on, extended_contract):
    on = add_years(purchased_on, 5)
    warranty = capex_warranty(purchased_on=purchased_on, on=on, extended_contract=extended_contract)
    assert not warranty.covered
    assert "five years" in warranty.reason
    decision = rma(
        purchased_on=purchased_on,
        on=on,
        extended_contract=extended_contract,
        in_united_states=False,
    )
    assert not decision.allowed


def test_an_expired_standard_warranty_says_when_it_ended():
    warranty = capex_warranty(purchased_on=date(2025, 1, 1), on=date(2026, 3, 1))
    assert not warranty.covered
    assert "31 December 2025" in warranty.reason


@pytest.mark.parametrize(("key", "label"), EXCLUSIONS.items())
def test_exclusions_are_never_covered(key, label):
    warranty = capex_warranty(purchased_on=date(2026, 1, 10), on=date(2026, 2, 1), exclusion=key)
    assert not warranty.covered
    assert label in warranty.reason
    assert not warranty.needs_contract


def test_exclusions_named_by_the_terms():
    assert set(EXCLUSIONS) == {
        "misuse",
        "neglect",
        "accident",
        "modification",
        "environment",
        "wear",
        "loss_or_theft",
    }


def test_an_unknown_exclusion_is_refused():
    with pytest.raises(ValueError, match="exclusion"):
        capex_warranty(purchased_on=date(2026, 1, 10), on=date(2026, 2, 1), exclusion="coffee")


# --- CAPEX: RMA and conversion ---------------------------------------------------------------

RMA_CASES = [
    # purchased_on, on, extended_contract, in_united_states, documents
    (date(2025, 5, 1), date(2025, 11, 1), False, False, (FAULT, PROOF)),
    (date(2025, 5, 1), date(2025, 11, 1), False, True, (FAULT, PROOF, PARCEL)),
    (date(2022, 6, 30), date(2023, 6, 29), True, False, (FAULT, PROOF)),
    (date(2022, 6, 30), date(2023, 6, 29), True, True, (FAULT, PROOF, PARCEL)),
    (date(2022, 6, 30), date(2023, 6, 30), True, False, (FAULT, PROOF, CONTRACT)),
    (date(2022, 6, 30), date(2023, 6, 30), True, True, (FAULT, PROOF, CONTRACT, PARCEL)),
    (date(2022, 6, 30), date(2023, 6, 30), False, True, (FAULT, PROOF, PARCEL)),
    (date(2022, 7, 1), date(2023, 6, 30), True, False, (FAULT, PROOF)),
]


@pytest.mark.parametrize(
    ("purchased_on", "on", "extended_contract", "in_united_states", "documents"), RMA_CASES
)
def test_rma_documents(purchased_on, on, extended_contract, in_united_states, documents):
    found = rma_documents(
        purchased_on=purchased_on,
        on=on,
        extended_contract=extended_contract,
        in_united_states=in_united_states,
    )
    assert found == documents


@pytest.mark.parametrize(
    ("purchased_on", "on", "extended_contract", "in_united_states", "documents"), RMA_CASES
)
def test_rma_carries_the_documents_and_is_allowed_while_covered(
    purchased_on, on, extended_contract, in_united_states, documents
):
    decision = rma(
        purchased_on=purchased_on,
        on=on,
        extended_contract=extended_contract,
        in_united_states=in_united_states,
    )
    covered = capex_warranty(
        purchased_on=purchased_on, on=on, extended_contract=extended_contract
    ).covered
    assert decision.allowed is covered
    assert decision.documents == documents
    if covered:
        assert "refurbished" in decision.reason
        assert "credit note" in decision.reason
        assert ("weight and dimensions" in decision.reason) is in_united_states


def test_an_excluded_fault_gets_no_rma():
    decision = rma(
        purchased_on=date(2026, 1, 10),
        on=date(2026, 2, 1),
        extended_contract=False,
        in_united_states=False,
        exclusion="wear",
    )
    assert not decision.allowed
    assert "normal wear and tear" in decision.reason


def test_a_working_device_converts_to_hwaas_free():
    decision = may_convert_to_hwaas(operational=True)
    assert decision.allowed
    assert not decision.lessee_pays
    assert decision.amount == D("0")


def test_a_broken_device_does_not_convert():
    decision = may_convert_to_hwaas(operational=False)
    assert not decision.allowed
    assert decision.reason


# --- Properties ------------------------------------------------------------------------------

days = st.dates(date(2000, 1, 1), date(2060, 12, 31))


@given(days, st.booleans(), st.integers(0, 6 * 366), st.integers(0, 6 * 366))
def test_warranty_cover_only_ever_ends(purchased_on, extended_contract, earlier, gap):
    def covered(offset):
        return capex_warranty(
            purchased_on=purchased_on,
            on=purchased_on + timedelta(days=offset),
            extended_contract=extended_contract,
        ).covered

    if covered(earlier + gap):
        assert covered(earlier)
