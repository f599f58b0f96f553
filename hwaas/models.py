"""Leased (HWaaS) and purchased (CAPEX) devices, and the requests partners make about them.

A device is the organisation's ``partners.Device`` (serial, model, the PBX it hangs on);
this app adds what the terms attach to it: the lease line of an agreement (Annex A) or the
purchase, and the catalogue's casualty value per model. Requests arrive as HWaaS
Management cases; each case carries one ``HardwareRequest`` with the rules' answer at the
time it was made and the steps staff took.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hwaas import capex, rules


class HardwareModel(models.Model):
    """A device model in the leasing catalogue, with what a lost unit costs."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True, help_text='For example "W-AIR Office".')
    description = models.CharField(max_length=300, blank=True)
    casualty_value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="What a unit that is lost or not returned costs the lessee.",
    )
    default_fee = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="Recurring fee of a new line when its agreement has none of this model yet.",
    )
    currency = models.CharField(max_length=3, default="EUR")
    is_active = models.BooleanField(default=True, help_text="Offered for new leases.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LeaseAgreement(models.Model):
    """An HWaaS agreement: the lessor partner leases devices to the lessee organisation."""

    class Term(models.TextChoices):
        MONTH_TO_MONTH = rules.TermKind.MONTH_TO_MONTH, "Month to month"
        YEAR_TO_YEAR = rules.TermKind.YEAR_TO_YEAR, "Year to year"
        FIVE_YEAR = rules.TermKind.FIVE_YEAR, "Five years"

    class Owner(models.TextChoices):
        ESTONIA = rules.OwnerEntity.ESTONIA, rules.OWNER_ENTITY_NAMES[rules.OwnerEntity.ESTONIA]
        UNITED_KINGDOM = (
            rules.OwnerEntity.UNITED_KINGDOM,
            rules.OWNER_ENTITY_NAMES[rules.OwnerEntity.UNITED_KINGDOM],
        )

    number = models.CharField(max_length=30, unique=True)
    lessor = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="leases_given",
        help_text="The partner that leases the devices to its customer.",
    )
    lessee = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="leases"
    )
    term = models.CharField(max_length=20, choices=Term.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="Five-year terms end; the others run until ended."
    )
    currency = models.CharField(max_length=3, default="EUR")
    owner = models.CharField(
        max_length=2,
        choices=Owner.choices,
        help_text="Who owns the equipment, by the lessee's country.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(
                name="lease_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.lessee})"

    def is_running(self, on) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on < self.ends_on)


class LeaseLineQuerySet(models.QuerySet):
    def on_lease(self):
        """Lines still leased: neither handed back nor kept by the lessee."""
        return self.filter(returned_on__isnull=True, ownership_passed_on__isnull=True)


class LeaseLine(models.Model):
    """One leased unit on an agreement's Annex A. The device is known once it ships."""

    agreement = models.ForeignKey(LeaseAgreement, on_delete=models.CASCADE, related_name="lines")
    hardware_model = models.ForeignKey(HardwareModel, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(
        "partners.Device",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lease_lines",
    )
    fee = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Monthly fee, paid in advance (a year-to-year term is paid monthly too).",
    )
    ordered_on = models.DateField()
    invoicing_starts_on = models.DateField(help_text="Fourteen days after the order.")
    delivered_on = models.DateField(null=True, blank=True)
    returned_on = models.DateField(null=True, blank=True)
    ownership_passed_on = models.DateField(
        null=True,
        blank=True,
        help_text="Not handed back: from this day the lessee owns the unit.",
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The line of the unit this one replaced.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LeaseLineQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "ordered_on", "pk"]
        indexes = [models.Index(fields=["agreement", "returned_on"], name="lease_line_active")]

    def __str__(self) -> str:
        serial = self.device.serial_number if self.device_id else "not shipped yet"
        return f"{self.hardware_model} ({serial}) on {self.agreement.number}"

    @property
    def is_active(self) -> bool:
        return self.returned_on is None and self.ownership_passed_on is None


class CapexPurchase(models.Model):
    """A device the organisation bought outright, with what its warranty depends on."""

    device = models.OneToOneField(
        "partners.Device", on_delete=models.PROTECT, related_name="purchase"
    )
    hardware_model = models.ForeignKey(
        HardwareModel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purchased_on = models.DateField()
    invoice_number = models.CharField(max_length=60, blank=True)
    proof_of_purchase = models.FileField(upload_to="hwaas/purchases/", blank=True)
    extended_warranty = models.BooleanField(
        default=False, help_text="Bought with the five-year extended warranty agreement."
    )
    warranty_contract = models.FileField(
        upload_to="hwaas/contracts/", blank=True, help_text="The signed extended warranty."
    )
    converted_on = models.DateField(
        null=True, blank=True, help_text="When it moved to HWaaS, if it did."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-purchased_on", "pk"]

    def __str__(self) -> str:
        return f"{self.device} bought {self.purchased_on}"


class HardwareRequest(models.Model):
    """What an HWaaS Management case asks for, the rules' answer and the steps taken."""

    class Kind(models.TextChoices):
        ADD = "add", "Add devices"
        REDUCE = "reduce", "Reduce quantity"
        EXCHANGE = "exchange", "Exchange for another model"
        REPLACE = "replace", "Replace a damaged, lost or stolen device"
        RETURN = "return", "Return devices"
        RMA = "rma", "RMA for a purchased device"
        CONVERT = "convert", "Convert a purchased device to HWaaS"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        SHIPPED = "shipped", "Shipped"
        RECEIVED = "received", "Unit received"
        UNRETURNED = "unreturned", "Not returned"
        CLOSED = "closed", "Done"

    class Cause(models.TextChoices):
        DEFECT = rules.DamageCause.DEFECT, "It stopped working (defect)"
        ACCIDENT = rules.DamageCause.ACCIDENT, "Accidental damage"
        DELIBERATE = rules.DamageCause.DELIBERATE, "Damaged by staff, on purpose or by negligence"
        FIRE = rules.DamageCause.FIRE, "Fire"
        THEFT = rules.DamageCause.THEFT, "Theft"
        LOST = rules.DamageCause.LOST, "Lost (not by fire or theft)"
        UNSUITABLE_ENVIRONMENT = (
            rules.DamageCause.UNSUITABLE_ENVIRONMENT,
            "Damaged by use in an environment it is not made for",
        )

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="hardware_request"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="hardware_requests"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    agreement = models.ForeignKey(
        LeaseAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    line = models.ForeignKey(
        LeaseLine, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    purchase = models.ForeignKey(
        CapexPurchase, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    hardware_model = models.ForeignKey(
        HardwareModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The model to add, or to exchange to.",
    )
    quantity = models.PositiveSmallIntegerField(default=1)
    cause = models.CharField(max_length=30, choices=Cause.choices, blank=True)
    label_readable = models.BooleanField(null=True, blank=True)
    operational = models.BooleanField(null=True, blank=True)
    warranty_exclusion = models.CharField(
        max_length=20,
        choices=capex.EXCLUSION_CHOICES,
        blank=True,
        help_text="RMA: which warranty exclusion the partner says applies, or none.",
    )
    fault_description = models.TextField(blank=True)
    parcel_weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    parcel_dimensions = models.CharField(max_length=60, blank=True, help_text="L × W × H in cm.")
    decision = models.JSONField(default=dict, help_text="The rules' answer when it was made.")
    ship_by = models.DateTimeField(null=True, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="hw_request_org_recent"),
            models.Index(fields=["state", "created_at"], name="hw_request_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"


class RequestDocument(models.Model):
    """A document a request needs (police report, proof of purchase…), as attached to its case."""

    class Kind(models.TextChoices):
        POLICE_REPORT = rules.Document.POLICE_REPORT, "Police report"
        FAULT_DESCRIPTION = rules.Document.FAULT_DESCRIPTION, "Fault description"
        PROOF_OF_PURCHASE = rules.Document.PROOF_OF_PURCHASE, "Proof of purchase"
        WARRANTY_CONTRACT = rules.Document.WARRANTY_CONTRACT, "Signed extended warranty"
        PARCEL_DETAILS = rules.Document.PARCEL_DETAILS, "Parcel weight and dimensions"

    request = models.ForeignKey(HardwareRequest, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    attachment = models.ForeignKey("tickets.Attachment", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["request", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.request}"
