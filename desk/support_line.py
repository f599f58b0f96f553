"""Which support line a partner is shown now: its country's phone number and chat link
under the version of the terms in force for it (16.6–16.7, 17.6–17.7)."""

from datetime import datetime

from partners import selectors as partner_selectors
from partners.models import Organisation
from partners.support_lines import SupportLine
from sla import selectors as sla_selectors


def support_line_now(organisation: Organisation, *, now: datetime) -> SupportLine | None:
    try:
        policy = sla_selectors.policy_in_force_for(region=organisation.region, at=now)
    except partner_selectors.NoPolicyInForce:
        policy = None
    return partner_selectors.support_line_for(organisation, policy=policy)
