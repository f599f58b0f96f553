from partners.models.organisations import Device, Organisation
from partners.models.policy import (
    CaseCategory,
    CaseReason,
    CaseType,
    CreditBand,
    EligibilityRule,
    PolicyVersion,
    ResponseTarget,
)
from partners.models.tokens import ApiToken
from partners.models.users import User

__all__ = [
    "ApiToken",
    "CaseCategory",
    "CaseReason",
    "CaseType",
    "CreditBand",
    "Device",
    "EligibilityRule",
    "Organisation",
    "PolicyVersion",
    "ResponseTarget",
    "User",
]
