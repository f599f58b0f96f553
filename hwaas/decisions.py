"""The rules' answer to a hardware request, worked out from the records it names.

``decide`` reads nothing itself: the caller passes the agreement, line or purchase it has
already loaded through the actor's selectors, and the day. The intake page calls it on every
change of the form, the service once more when the request is submitted.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

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
    in_united_states: bool = False


class Incomplete(ValueError):
    """The request does not name enough to be decided yet; ``errors`` says what is missing."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def decide(subject: Subject, *, today: date) -> rules.Decision:
    """The rules' answer for ``subject`` on ``today``. Raises Incomplete."""
    missing = _missing(subject)
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
            )
        case Kind.CONVERT:
            return capex.may_convert_to_hwaas(operational=bool(subject.operational))
    raise Incomplete({"kind": "Choose what you need."})


def _missing(subject: Subject) -> dict[str, str]:
    needs = {
        Kind.ADD: ("agreement", "hardware_model"),
        Kind.REDUCE: ("line",),
        Kind.EXCHANGE: ("line", "hardware_model"),
        Kind.REPLACE: ("line", "cause", "label_readable"),
        Kind.RETURN: ("agreement",),
        Kind.RMA: ("purchase",),
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
    if line is not None and not line.is_active:
        errors["line"] = "This device has already been returned."
    if purchase is not None and purchase.converted_on is not None:
        errors["purchase"] = "This device has already moved to HWaaS."
    return errors


def _return(agreement: LeaseAgreement, *, today: date) -> rules.Decision:
    """Ending the agreement: always possible; say what not handing the units back costs."""
    lines = [line for line in agreement.lines.all() if line.is_active]
    if not lines:
        return rules.Decision(
            allowed=False, reason="Every device of this agreement has already been returned."
        )
    ends_on = agreement.ends_on or today
    charge = sum(
        (
            rules.missing_return_charge(
                unpaid_fees=rules.unpaid_fees(
                    fee=line.fee,
                    term=rules.TermKind(agreement.term),
                    paid_until=today,
                    term_ends_on=ends_on,
                ),
                casualty_value=line.hardware_model.casualty_value,
            ).total
            for line in lines
        ),
        Decimal(0),
    )
    return rules.Decision(
        allowed=True,
        reason=(
            f"The {len(lines)} devices of {agreement.number} will be collected. If they are "
            f"not ready for collection, the fees still due for the term, their casualty value "
            f"and 10 % of it are charged instead: {charge} {agreement.currency} in all."
        ),
        amount=charge,
    )


def as_data(decision: rules.Decision, *, at: datetime) -> dict:
    """The answer as stored on the request and returned by the API."""
    data = asdict(decision)
    data["from_date"] = decision.from_date.isoformat() if decision.from_date else None
    data["documents"] = [str(document) for document in decision.documents]
    data["amount"] = str(decision.amount) if decision.amount is not None else None
    data["decided_at"] = at.isoformat()
    return data
