from partners.models.organisations import Device, Organisation
from partners.models.policy import (
    CaseCategory,
    CaseReason,
    CaseType,
    CreditBand,
    EligibilityRule,
    ExtendedSupportExclusion,
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
    "ExtendedSupportExclusion",
    "Organisation",
    "PolicyVersion",
    "ResponseTarget",
    "User",
]
