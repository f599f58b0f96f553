"""The rules' answer to a hardware request, worked out from the records it names.

``decide`` reads nothing itself: the caller passes the agreement, line or purchase it has
already loaded through the actor's selectors, and the day. The intake page calls it on every
change of the form, the service once more when the request is submitted.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime

from hwaas import capex, rules
from hwaas.models import CapexPurchase, HardwareModel, HardwareRequest, LeaseAgreement, LeaseLine

Kind = HardwareRequest.Kind


@dataclass(frozen=True)
class Subject:
    """What a request is about, as loaded by the caller."""

    kind: str
    agreement: LeaseAgreement | None = None
    line: LeaseLine | None = None
    purchase: CapexPurchase | None = None
    hardware_model: HardwareModel | None = None
    quantity: int = 1
    cause: str = ""
    label_readable: bool | None = None
    operational: bool | None = None
    warranty_exclusion: str = ""  # RMA: a key of capex.EXCLUSIONS, or capex.NO_EXCLUSION
    in_united_states: bool = False


class Incomplete(ValueError):
    """The request does not name enough to be decided yet; ``errors`` says what is missing."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def decide(subject: Subject, *, today: date) -> rules.Decision:
    """The rules' answer for ``subject`` on ``today``. Raises Incomplete."""
    missing = _missing(subject, today=today)
    if missing:
        raise Incomplete(missing)
    match subject.kind:
        case Kind.ADD:
            starts = rules.invoicing_starts(today)
            return rules.Decision(
                allowed=True,
                reason=(
                    f"{subject.quantity} × {subject.hardware_model} can be added. Invoicing for "
                    f"them starts on {rules.format_day(starts)}, fourteen days after the order."
                ),
            )
        case Kind.REDUCE:
            return rules.may_reduce(delivered_on=subject.line.delivered_on, on=today)
        case Kind.EXCHANGE:
            if subject.hardware_model.pk == subject.line.hardware_model_id:
                raise Incomplete({"hardware_model": "Choose a different model to exchange to."})
            return rules.may_exchange(delivered_on=subject.line.delivered_on, on=today)
        case Kind.REPLACE:
            return rules.replacement(
                cause=rules.DamageCause(subject.cause),
                label_readable=bool(subject.label_readable),
                casualty_value=subject.line.hardware_model.casualty_value,
            )
        case Kind.RETURN:
            return _return(subject.agreement, today=today)
        case Kind.RMA:
            purchase = subject.purchase
            return capex.rma(
                purchased_on=purchase.purchased_on,
                on=today,
                extended_contract=purchase.extended_warranty,
                in_united_states=subject.in_united_states,
                exclusion=capex.exclusion_key(subject.warranty_exclusion),
            )
        case Kind.CONVERT:
            return capex.may_convert_to_hwaas(operational=bool(subject.operational))
    raise Incomplete({"kind": "Choose what you need."})


# Changes to a line that only a delivered unit can have (21.6, 21.17).
NEEDS_DELIVERY = {
    Kind.REDUCE: "reduced",
    Kind.EXCHANGE: "exchanged",
    Kind.REPLACE: "replaced",
}


def _missing(subject: Subject, *, today: date) -> dict[str, str]:
    needs = {
        Kind.ADD: ("agreement", "hardware_model"),
        Kind.REDUCE: ("line",),
        Kind.EXCHANGE: ("line", "hardware_model"),
        Kind.REPLACE: ("line", "cause", "label_readable"),
        Kind.RETURN: ("agreement",),
        Kind.RMA: ("purchase", "warranty_exclusion"),
        Kind.CONVERT: ("purchase", "agreement", "operational"),
    }.get(subject.kind)
    if needs is None:
        return {"kind": "Choose what you need."}
    words = {
        "agreement": "Choose the agreement.",
        "line": "Choose the leased device.",
        "purchase": "Choose the purchased device.",
        "hardware_model": "Choose the model.",
        "cause": "Say what happened to the device.",
        "label_readable": "Say whether the serial number label can still be read.",
        "operational": "Say whether the device still works.",
        "warranty_exclusion": "Say whether any of the listed causes applies, or none.",
    }
    errors = {
        field: words[field]
        for field in needs
        if getattr(subject, field) in (None, "")
        # A replacement after a theft or a loss has no label to read.
        and not (field == "label_readable" and subject.cause in ("theft", "lost"))
    }
    if subject.kind == Kind.ADD and not 1 <= subject.quantity <= 100:
        errors["quantity"] = "Add between 1 and 100 devices at a time."
    line, purchase = subject.line, subject.purchase
    if line is not None and line.ownership_passed_on is not None:
        errors["line"] = "This device was not returned and now belongs to the lessee."
    elif line is not None and not line.is_active:
        errors["line"] = "This device has already been returned."
    elif (
        line is not None
        and subject.kind in NEEDS_DELIVERY
        and not rules.is_delivered(line.delivered_on, on=today)
    ):
        errors["line"] = (
            f"This device has not been delivered yet, so it cannot be "
            f"{NEEDS_DELIVERY[subject.kind]}. Ask again once it has arrived."
        )
    if purchase is not None and purchase.converted_on is not None:
        errors["purchase"] = "This device has already moved to HWaaS."
    return errors


def not_returned_charge(agreement: LeaseAgreement, *, today: date) -> rules.NotReturnedCharge:
    """What not handing back the agreement's units would cost on ``today``: its lines still
    on lease (loaded with their model and device), the undelivered ones left out by the
    rule."""
    return rules.not_returned_charge(
        term=rules.TermKind(agreement.term),
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        today=today,
        units=[leased_unit(line) for line in agreement.lines.all() if line.is_active],
    )


def leased_unit(line: LeaseLine) -> rules.LeasedUnit:
    serial = line.device.serial_number if line.device_id else ""
    return rules.LeasedUnit(
        device=f"{line.hardware_model.name} {serial}".strip(),
        monthly_fee=line.fee,
        casualty_value=line.hardware_model.casualty_value,
        delivered_on=line.delivered_on,
    )


def _return(agreement: LeaseAgreement, *, today: date) -> rules.Decision:
    """Ending the agreement: always possible; say what not handing the units back costs."""
    if not any(line.is_active for line in agreement.lines.all()):
        return rules.Decision(
            allowed=False, reason="Every device of this agreement has already been returned."
        )
    charge = not_returned_charge(agreement, today=today)
    count = len(charge.lines)
    period = charge.period
    return rules.Decision(
        allowed=True,
        reason=(
            f"The {count} delivered device{'s' if count != 1 else ''} of {agreement.number} "
            f"will be collected. If they are not ready for collection, the fees up to the end "
            f"of the current term period ({rules.format_day(period.last_day)}), their casualty "
            f"value and 10 % of it are charged instead: {charge.total} {agreement.currency} "
            f"in all, and the lessee then owns them."
        ),
        amount=charge.total,
        charge=charge,
    )


def charge_data(charge: rules.NotReturnedCharge, *, currency: str) -> dict:
    """The charge with its parts, as the API returns it and the request stores it."""
    return {
        "currency": currency,
        "term": str(charge.period.term),
        "period_starts_on": charge.period.starts_on.isoformat(),
        "period_ends_on": charge.period.last_day.isoformat(),
        "months_left": charge.period.months_left,
        "lines": [
            {
                "device": line.device,
                "quantity": line.quantity,
                "monthly_fee": str(line.monthly_fee),
                "months_left": line.months_left,
                "unpaid_fees": str(rules.cents(line.unpaid_fees)),
                "casualty_value": str(rules.cents(line.casualty_value)),
                "surcharge": str(rules.cents(line.surcharge)),
                "amount": str(line.amount),
            }
            for line in charge.lines
        ],
        "unpaid_fees": str(charge.unpaid_fees),
        "casualty_value": str(charge.casualty_value),
        "surcharge": str(charge.surcharge),
        "total": str(charge.total),
    }


def as_data(decision: rules.Decision, *, at: datetime, currency: str = "") -> dict:
    """The answer as stored on the request and returned by the API."""
    data = asdict(decision)
    data.pop("charge")
    if decision.charge is not None:
        data["charge"] = charge_data(decision.charge, currency=currency)
    data["from_date"] = decision.from_date.isoformat() if decision.from_date else None
    data["documents"] = [str(document) for document in decision.documents]
    data["amount"] = str(decision.amount) if decision.amount is not None else None
    data["decided_at"] = at.isoformat()
    return data
