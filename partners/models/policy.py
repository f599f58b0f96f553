"""The support terms as data: one ``PolicyVersion`` per published version of the terms.

A version holds who may open which cases (eligibility), the case taxonomy, the response
targets, the availability commitment with its credit table, the maintenance notice, and
the support phone numbers and chat links by country, and how long a case may wait on the
partner (reminder, resolution, and from 2026-03 the vendor stepping in, 14.5).
Versions are loaded from ``partners/policy_data/*.toml`` and can be edited in the admin.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from partners.models.organisations import Organisation
from partners.support_lines import problems as support_line_problems


class PolicyVersion(models.Model):
    code = models.CharField(max_length=20, unique=True, help_text='For example "2026-03".')
    title = models.CharField(max_length=200)
    effective_from = models.DateField(
        unique=True,
        help_text="In force from local midnight on this date in the zone of each "
        "organisation's support calendar, until the next version.",
    )
    availability_commitment = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Monthly availability promised for the cloud services, in percent.",
    )
    maintenance_notice = models.DurationField(
        default=timedelta(hours=48),
        help_text="Maintenance announced at least this long before it starts counts as available.",
    )
    # Waiting on the partner (see ``sla.waiting`` for how the days are counted, and why
    # these defaults: the terms give no numbers for either).
    waiting_reminder_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="Business days a case waits on the partner before the partner is reminded.",
    )
    waiting_resolve_days = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Further business days after the reminder before the case is resolved "
        "for want of an answer.",
    )
    step_in_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Business days a case about an end customer's system waits on the partner "
        "before staff may write to the end customer directly (14.5, from March 2026). "
        "Empty: the terms of this version do not allow it.",
    )
    summary = models.TextField(blank=True, help_text="What changed in this version, in brief.")
    support_lines = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            'The support phone numbers and chat links by country: {"lines": [{"code", "label", '
            '"countries": ["DE", ...], "phone", "chat"}, ...], "fallback": {"eu": code, '
            '"us": code}}. A country no line lists gets its region\'s fallback line.'
        ),
    )

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.step_in_days is not None and self.step_in_days >= (
            (self.waiting_reminder_days or 0) + (self.waiting_resolve_days or 0)
        ):
            raise ValidationError(
                {
                    "step_in_days": "Make it shorter than the whole wait before a case is "
                    "resolved, or staff could never step in."
                }
            )
        if self.support_lines:
            found = support_line_problems(
                self.support_lines, regions=frozenset(Organisation.Region.values)
            )
            if found:
                raise ValidationError({"support_lines": found})


class CaseType(models.Model):
    policy = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="case_types")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    is_technical = models.BooleanField(
        default=False, help_text="Technical cases ask for WMS and firmware versions."
    )
    english_only = models.BooleanField(
        default=False, help_text="Requests are handled in English only; the form says so."
    )
    tickets_only = models.BooleanField(
        default=False,
        help_text=(
            "Reached through the ticketing system only: staff cannot log it from a phone "
            "call without giving a reason."
        ),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["policy", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="case_type_unique_per_policy")
        ]

    def __str__(self) -> str:
        return self.name


class ExtendedSupportExclusion(models.TextChoices):
    """What the extended (24/7) support for Critical problems does not cover (16.5), as a
    flag on the taxonomy. A Critical claim on a case filed under a flagged reason or
    category is refused when the case is opened, and the NOC is not paged for it."""

    COVERED = "", "Covered"
    HARDWARE = "hardware", "Hardware replacement or checks on faulty hardware"
    CONNECTIVITY = "connectivity", "Internet connectivity checks"
    PLANNED_WORK = (
        "planned_work",
        "Planned work: deployment questions, integration analysis, bug reports",
    )


def _exclusion_field():
    return models.CharField(
        "not covered by extended support",
        max_length=20,
        choices=ExtendedSupportExclusion.choices,
        blank=True,
        help_text="Critical cannot be claimed for cases filed here; a sub-category or category "
        "without a flag takes the one of its category or reason.",
    )


class CaseReason(models.Model):
    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="reasons")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=150)
    position = models.PositiveSmallIntegerField(default=0)
    extended_support_exclusion = _exclusion_field()

    class Meta:
        ordering = ["case_type", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_type", "code"], name="case_reason_unique_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_type.name}: {self.name}"


class CaseCategory(models.Model):
    """A category under a reason; a category with a parent is a sub-category."""

    reason = models.ForeignKey(CaseReason, on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="subcategories"
    )
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=150)
    position = models.PositiveSmallIntegerField(default=0)
    extended_support_exclusion = _exclusion_field()

    class Meta:
        ordering = ["reason", "parent_id", "position", "name"]
        verbose_name_plural = "case categories"
        constraints = [
            models.UniqueConstraint(
                fields=["reason", "code"],
                condition=Q(parent__isnull=True),
                name="case_category_unique_per_reason",
            ),
            models.UniqueConstraint(
                fields=["parent", "code"],
                condition=Q(parent__isnull=False),
                name="case_subcategory_unique_per_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        if self.parent_id and self.parent.reason_id != self.reason_id:
            raise ValidationError({"parent": "A sub-category belongs to its parent's reason."})
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": "Sub-categories cannot be nested further."})


class EligibilityRule(models.Model):
    """What one audience (a partner tier, resellers or end customers) may open directly."""

    # Every partner tier, plus the two kinds of organisation that have no tier.
    Audience = models.TextChoices(
        "Audience",
        [(tier.name, (tier.value, f"{tier.label} partners")) for tier in Organisation.Tier]
        + [
            ("RESELLER", ("reseller", "Resellers")),
            ("END_CUSTOMER", ("end_customer", "End customers")),
        ],
    )

    class Access(models.TextChoices):
        DIRECT = "direct", "Direct support for every case"
        LIMITED = "limited", "Direct support for the listed reasons only; otherwise upstream"
        UPSTREAM = "upstream", "Referred to the assigned upstream partner"
        INSTALLER = "installer", "Referred to the installer of the system"

    policy = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="eligibility_rules"
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    access = models.CharField(max_length=20, choices=Access.choices)
    allowed_reasons = models.ManyToManyField(
        CaseReason,
        blank=True,
        related_name="limited_access_rules",
        help_text="With limited access: the case reasons this audience may still open directly.",
    )
    direct_case_types = models.ManyToManyField(
        CaseType,
        blank=True,
        related_name="direct_access_rules",
        help_text=(
            "Case types this audience opens directly whatever its access, e.g. Customer Care "
            "for those referred upstream for technical support only."
        ),
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["policy", "audience"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "audience"], name="eligibility_rule_unique_per_audience"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_audience_display()} → {self.get_access_display()}"


class ResponseTarget(models.Model):
    """One SLA metric's target for the cases it applies to.

    The most specific row wins: a row naming a reason beats one naming only a case type,
    which beats a row for every case type.
    """

    class Metric(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        OUT_OF_HOURS_TRIAGE = "out_of_hours_triage", "Out-of-hours triage"
        OUT_OF_HOURS_INVESTIGATION = (
            "out_of_hours_investigation",
            "Out-of-hours investigation",
        )
        RESTORATION = "restoration", "Restoration"

    class ClassOfService(models.TextChoices):
        ANY = "", "Any"
        CRITICAL = "critical", "Critical"
        STANDARD = "standard", "Standard"

    class Kind(models.TextChoices):
        BUSINESS_TIME = "business_time", "Business time from creation"
        SAME_WORKING_DAY = "same_working_day", "By the close of the working day"

    class Calendar(models.TextChoices):
        REGION = "region", "The organisation's support hours"
        ALWAYS = "24x7", "Around the clock"

    policy = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="response_targets"
    )
    metric = models.CharField(max_length=30, choices=Metric.choices)
    case_type = models.ForeignKey(
        CaseType, on_delete=models.CASCADE, null=True, blank=True, help_text="Empty: every type."
    )
    reason = models.ForeignKey(
        CaseReason,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="Empty: every reason.",
    )
    class_of_service = models.CharField(max_length=10, choices=ClassOfService.choices, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BUSINESS_TIME)
    target = models.DurationField(
        null=True, blank=True, help_text="Business time allowed; empty for same-working-day."
    )
    calendar = models.CharField(max_length=10, choices=Calendar.choices, default=Calendar.REGION)
    only_outside_support_hours = models.BooleanField(
        default=False, help_text="Applies only to cases created while support hours are closed."
    )
    pauses_while_waiting = models.BooleanField(
        default=False, help_text="The clock stops while the case waits on the partner."
    )

    class Meta:
        ordering = ["policy", "metric", "case_type", "reason", "class_of_service"]
        constraints = [
            models.CheckConstraint(
                name="response_target_duration_matches_kind",
                condition=(Q(kind="business_time") & Q(target__isnull=False))
                | (Q(kind="same_working_day") & Q(target__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        scope = self.reason or self.case_type or "every case type"
        cos = f" ({self.get_class_of_service_display()})" if self.class_of_service else ""
        return f"{self.policy}: {self.get_metric_display()} for {scope}{cos}"

    def clean(self) -> None:
        if self.kind == self.Kind.BUSINESS_TIME and self.target is None:
            raise ValidationError({"target": "Give the business time allowed."})
        if self.kind == self.Kind.SAME_WORKING_DAY and self.target is not None:
            raise ValidationError({"target": "Same-working-day targets have no fixed duration."})
        if self.case_type_id and self.case_type.policy_id != self.policy_id:
            raise ValidationError({"case_type": "Choose a case type of this policy version."})
        if self.reason_id:
            if self.reason.case_type.policy_id != self.policy_id:
                raise ValidationError({"reason": "Choose a reason of this policy version."})
            if self.case_type_id and self.reason.case_type_id != self.case_type_id:
                raise ValidationError({"reason": "The reason must belong to the case type."})


class CreditBand(models.Model):
    """A row of the credit table: availability in [lower, upper) pays this share of the fee."""

    policy = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="credit_bands")
    lower_bound = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="Inclusive, in percent."
    )
    upper_bound = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Exclusive, in percent; empty for the top row.",
    )
    payable_percent = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Share of the monthly licence fee payable."
    )

    class Meta:
        ordering = ["policy", "-lower_bound"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "lower_bound"], name="credit_band_unique_lower_bound"
            ),
            models.CheckConstraint(
                name="credit_band_bounds_ordered",
                condition=Q(upper_bound__isnull=True) | Q(upper_bound__gt=models.F("lower_bound")),
            ),
        ]

    def __str__(self) -> str:
        upper = f"{self.upper_bound} %" if self.upper_bound is not None else "100 %"
        return f"{self.lower_bound} % – {upper}: {self.payable_percent} % payable"
