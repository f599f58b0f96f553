"""Writes for hardware requests: the parts of asking for hardware that concern the request
alone (``intake``; the case that carries it is opened by ``desk.actions.hardware_request``),
then the staff steps and what each does to the lease (``steps``).

One module per concern; the names below are the ones callers use.
"""

from hwaas.services.intake import (
    CASE_REASONS,
    CASE_TYPE,
    RequestInput,
    in_united_states,
    request_case,
    request_check,
    request_insert,
    request_validate,
)
from hwaas.services.steps import (
    request_approve,
    request_close,
    request_not_returned,
    request_receive,
    request_refuse,
    request_ship,
    step_labels,
)

__all__ = [
    "CASE_REASONS",
    "CASE_TYPE",
    "RequestInput",
    "in_united_states",
    "request_approve",
    "request_case",
    "request_check",
    "request_close",
    "request_insert",
    "request_not_returned",
    "request_receive",
    "request_refuse",
    "request_ship",
    "request_validate",
    "step_labels",
]
