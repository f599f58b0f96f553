"""Writes for partners, users and the support policy."""

import tomllib
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partners.models import (
    ApiToken,
    CaseCategory,
    CaseReason,
    CaseType,
    CreditBand,
    EligibilityRule,
    ExtendedSupportExclusion,
    Organisation,
    PolicyVersion,
    ResponseTarget,
    User,
)
from partners.policy_cache import policy_reference_forget
from partners.roles import GROUP_NAMES, STAFF_ROLES, Role
from partners.support_lines import problems as support_line_problems

POLICY_DATA_DIR = Path(__file__).resolve().parent / "policy_data"


# --- Users -------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    organisation: Organisation | None = None,
    roles: tuple[Role, ...] = (),
    time_zone: str = "",
) -> User:
    """A partner-side member (``organisation`` set, no roles) or vendor staff with roles.

    Without ``time_zone``, a member starts in their organisation's country's zone
    (``Organisation.member_time_zone``); staff keep none and read times in
    ``DEFAULT_USER_TIME_ZONE`` until they pick one."""
    staff_roles = [role for role in roles if role != Role.PARTNER]
    if organisation is not None and staff_roles:
        raise ValidationError("Members of an organisation cannot hold staff roles.")
    if organisation is None and not staff_roles:
        raise ValidationError("A user belongs to an organisation or holds at least one staff role.")
    if any(role not in STAFF_ROLES for role in staff_roles):
        raise ValidationError(f"Unknown role in {roles!r}.")
    user = User(
        email=email.strip().lower(),
        full_name=full_name,
        organisation=organisation,
        time_zone=time_zone or (organisation.member_time_zone if organisation else ""),
        is_staff=Role.ADMIN in staff_roles,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if staff_roles:
        user.groups.set(Group.objects.filter(name__in=[GROUP_NAMES[r] for r in staff_roles]))
    return user


# --- API tokens --------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(
    *, user: User, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row, and the token itself, which is shown once and
    never stored. It expires ``API_TOKEN_TTL_DAYS`` from now unless ``expires_at`` says
    otherwise. Expired tokens of the user are cleared; past ``API_TOKENS_PER_USER`` the
    oldest are revoked, so a script that asks for a new token on every run keeps working."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expiry__lte=now).delete()
    lifetime = {} if expires_at is None else {"expiry": expires_at - now}
    token, key = ApiToken.objects.create(user=user, name=name.strip(), **lifetime)
    newest = ApiToken.objects.filter(user=user).order_by("-created", "-id")
    keep = list(newest.values_list("pk", flat=True)[: max(1, settings.API_TOKENS_PER_USER)])
    ApiToken.objects.filter(user=user).exclude(pk__in=keep).delete()
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    """The token stops working at once."""
    token.delete()


# --- Support policy ----------------------------------------------------------------------


class PolicyDataError(ValueError):
    """A policy data file is incomplete or inconsistent."""


def policy_files(directory: Path = POLICY_DATA_DIR) -> list[Path]:
    """The version files (``YYYY-MM.toml``); files starting with ``_`` are shared parts."""
    return sorted(p for p in directory.glob("*.toml") if not p.name.startswith("_"))


def read_policy_file(path: Path) -> dict:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    for case_type in data.get("case_types", []):
        reasons = list(case_type.get("reasons", []))
        if "reasons_from" in case_type:
            with (path.parent / case_type["reasons_from"]).open("rb") as handle:
                reasons = tomllib.load(handle)["reasons"] + reasons
        reasons += case_type.get("extra_reasons", [])
        case_type["reasons"] = reasons
    return data


def _decimal(value, *, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise PolicyDataError(f"{field}: {value!r} is not a number") from exc


def _check_credit_bands(code: str, bands: list[dict]) -> None:
    """The rows must tile [0, 100] without gaps or overlaps, with one open-ended top row."""
    rows = sorted(bands, key=lambda b: _decimal(b["lower"], field="lower"))
    if not rows or _decimal(rows[0]["lower"], field="lower") != 0:
        raise PolicyDataError(f"{code}: the credit table must start at 0 %")
    for below, above in pairwise(rows):
        if _decimal(below.get("upper"), field="upper") != _decimal(above["lower"], field="lower"):
            raise PolicyDataError(f"{code}: credit table rows must meet without gap or overlap")
    if rows[-1].get("upper") is not None:
        raise PolicyDataError(f"{code}: the top row of the credit table has no upper bound")


@transaction.atomic
def policy_version_load(*, data: dict, update: bool = False) -> tuple[PolicyVersion, bool]:
    """Create a policy version from its data file, or with ``update`` re-apply the file over
    an existing one (rows are matched by code; rows the file no longer names are kept).

    Returns the version and whether anything was written.
    """
    code = data["code"]
    existing = PolicyVersion.objects.filter(code=code).first()
    if existing and not update:
        return existing, False
    _check_policy_data(code, data)
    policy = _load_version(code, data)
    types_by_code, reasons_by_path = _load_case_types(policy, data["case_types"])
    _load_eligibility(
        policy, data["eligibility"], reasons_by_path=reasons_by_path, types_by_code=types_by_code
    )
    _load_targets(
        policy, data["targets"], types_by_code=types_by_code, reasons_by_path=reasons_by_path
    )
    _load_credit_bands(policy, data["credit_bands"])
    # The saves above have said so already; this covers any bulk write among them.
    policy_reference_forget()
    return policy, True


def _check_policy_data(code: str, data: dict) -> None:
    """What must hold before anything is written: every audience has its rule, the
    credit table is whole, the extended-support flags are known, and the support lines
    (when given) cover every region."""
    missing = set(EligibilityRule.Audience.values) - set(data["eligibility"])
    if missing:
        raise PolicyDataError(f"{code}: no eligibility rule for {', '.join(sorted(missing))}")
    _check_credit_bands(code, data["credit_bands"])
    _check_exclusions(code, data["case_types"])
    _check_waiting_limits(code, data)
    if "support_lines" in data:
        found = support_line_problems(
            data["support_lines"], regions=frozenset(Organisation.Region.values)
        )
        if found:
            raise PolicyDataError(f"{code}: {found[0]}")


def _load_version(code: str, data: dict) -> PolicyVersion:
    policy, _ = PolicyVersion.objects.update_or_create(
        code=code,
        defaults={
            "title": data["title"],
            "effective_from": data["effective_from"],
            "availability_commitment": _decimal(
                data["availability_commitment"], field="commitment"
            ),
            "maintenance_notice": timedelta(hours=data.get("maintenance_notice_hours", 48)),
            "summary": " ".join(data.get("summary", "").split()),
            "support_lines": data.get("support_lines", {}),
            **_waiting_limits(data),
        },
    )
    return policy


def _waiting_limits(data: dict) -> dict:
    """How long a case may wait on the partner (``[waiting_on_partner]``, in business
    days): the reminder, the resolution after it, and, only where the version's terms
    allow the vendor to contact end customers (14.5), ``step_in_days``."""
    waiting = data.get("waiting_on_partner", {})
    return {
        "waiting_reminder_days": waiting.get(
            "reminder_days", PolicyVersion._meta.get_field("waiting_reminder_days").default
        ),
        "waiting_resolve_days": waiting.get(
            "resolve_days", PolicyVersion._meta.get_field("waiting_resolve_days").default
        ),
        "step_in_days": waiting.get("step_in_days"),
    }


def _check_waiting_limits(code: str, data: dict) -> None:
    limits = _waiting_limits(data)
    values = [value for value in limits.values() if value is not None]
    if any(not isinstance(value, int) or value < 1 for value in values):
        raise PolicyDataError(f"{code}: waiting_on_partner limits are whole business days, >= 1")
    total = limits["waiting_reminder_days"] + limits["waiting_resolve_days"]
    if limits["step_in_days"] is not None and limits["step_in_days"] >= total:
        raise PolicyDataError(
            f"{code}: step_in_days must be shorter than reminder_days + resolve_days"
        )


def _load_case_types(
    policy: PolicyVersion, case_types: list[dict]
) -> tuple[dict[str, CaseType], dict[str, CaseReason]]:
    """The taxonomy: case types, their reasons and categories. Returns the types by code and
    the reasons by ``"type/reason"`` path, for the rules that name them."""
    reasons_by_path: dict[str, CaseReason] = {}
    types_by_code: dict[str, CaseType] = {}
    for type_position, type_data in enumerate(case_types):
        case_type, _ = CaseType.objects.update_or_create(
            policy=policy,
            code=type_data["code"],
            defaults={
                "name": type_data["name"],
                "description": type_data.get("description", ""),
                "is_technical": type_data.get("technical", False),
                "english_only": type_data.get("english_only", False),
                "tickets_only": type_data.get("tickets_only", False),
                "position": type_data.get("position", type_position * 10),
            },
        )
        types_by_code[case_type.code] = case_type
        for reason_position, reason_data in enumerate(type_data["reasons"]):
            reason, _ = CaseReason.objects.update_or_create(
                case_type=case_type,
                code=reason_data["code"],
                defaults={
                    "name": reason_data["name"],
                    "position": reason_data.get("position", reason_position * 10),
                    "extended_support_exclusion": _exclusion(reason_data),
                },
            )
            reasons_by_path[f"{case_type.code}/{reason.code}"] = reason
            _load_categories(reason, reason_data.get("categories", []), parent=None)
    return types_by_code, reasons_by_path


def _load_eligibility(
    policy: PolicyVersion,
    eligibility: dict,
    *,
    reasons_by_path: dict[str, CaseReason],
    types_by_code: dict[str, CaseType],
) -> None:
    code = policy.code
    audiences = set(EligibilityRule.Audience.values)
    for audience, rule_data in eligibility.items():
        if audience not in audiences:
            raise PolicyDataError(f"{code}: unknown audience {audience!r}")
        rule, _ = EligibilityRule.objects.update_or_create(
            policy=policy,
            audience=audience,
            defaults={"access": rule_data["access"], "note": rule_data.get("note", "")},
        )
        try:
            allowed = [reasons_by_path[path] for path in rule_data.get("allowed_reasons", [])]
        except KeyError as exc:
            raise PolicyDataError(f"{code}: eligibility names unknown reason {exc}") from exc
        rule.allowed_reasons.set(allowed)
        try:
            direct = [
                types_by_code[type_code] for type_code in rule_data.get("direct_case_types", [])
            ]
        except KeyError as exc:
            raise PolicyDataError(f"{code}: eligibility names unknown case type {exc}") from exc
        rule.direct_case_types.set(direct)


def _load_targets(
    policy: PolicyVersion,
    targets: list[dict],
    *,
    types_by_code: dict[str, CaseType],
    reasons_by_path: dict[str, CaseReason],
) -> None:
    """The response targets, replaced as a whole: they have no code to match them by."""
    code = policy.code
    policy.response_targets.all().delete()
    for target in targets:
        case_type = types_by_code.get(target["case_type"]) if "case_type" in target else None
        reason = (
            reasons_by_path.get(f"{target['case_type']}/{target['reason']}")
            if "reason" in target
            else None
        )
        if ("case_type" in target and case_type is None) or ("reason" in target and reason is None):
            raise PolicyDataError(f"{code}: target names an unknown case type or reason: {target}")
        kind = target.get("kind", ResponseTarget.Kind.BUSINESS_TIME)
        ResponseTarget.objects.create(
            policy=policy,
            metric=target["metric"],
            case_type=case_type,
            reason=reason,
            class_of_service=target.get("class_of_service", ""),
            kind=kind,
            target=timedelta(minutes=target["minutes"]) if "minutes" in target else None,
            calendar=target.get("calendar", ResponseTarget.Calendar.REGION),
            only_outside_support_hours=target.get("only_outside_support_hours", False),
            pauses_while_waiting=target.get("pauses_while_waiting", False),
        )


def _load_credit_bands(policy: PolicyVersion, bands: list[dict]) -> None:
    """The credit table, replaced as a whole."""
    policy.credit_bands.all().delete()
    CreditBand.objects.bulk_create(
        CreditBand(
            policy=policy,
            lower_bound=_decimal(band["lower"], field="lower"),
            upper_bound=_decimal(band["upper"], field="upper") if "upper" in band else None,
            payable_percent=band["payable"],
        )
        for band in bands
    )


def _load_categories(reason: CaseReason, items: list[dict], parent: CaseCategory | None) -> None:
    for position, item in enumerate(items):
        category, _ = CaseCategory.objects.update_or_create(
            reason=reason,
            parent=parent,
            code=item["code"],
            defaults={
                "name": item["name"],
                "position": item.get("position", position * 10),
                "extended_support_exclusion": _exclusion(item),
            },
        )
        _load_categories(reason, item.get("subcategories", []), parent=category)


# The key a reason or category of a data file carries when extended support leaves it out.
EXCLUSION_KEY = "excluded_from_extended_support"


def _exclusion(item: dict) -> str:
    return item.get(EXCLUSION_KEY, ExtendedSupportExclusion.COVERED)


def _check_exclusions(code: str, case_types: list[dict]) -> None:
    """Every flag names one of the exclusions the desk knows."""
    known = set(ExtendedSupportExclusion.values)

    def walk(items: list[dict], where: str) -> None:
        for item in items:
            path = f"{where}/{item['code']}"
            if _exclusion(item) not in known:
                raise PolicyDataError(
                    f"{code}: {path}: {EXCLUSION_KEY} must be one of "
                    + ", ".join(repr(value) for value in sorted(known - {""}))
                )
            walk(item.get("categories", []) + item.get("subcategories", []), path)

    for type_data in case_types:
        walk(type_data.get("reasons", []), type_data["code"])


def policy_versions_load_all(*, update: bool = False) -> list[tuple[PolicyVersion, bool]]:
    return [
        policy_version_load(data=read_policy_file(path), update=update) for path in policy_files()
    ]
