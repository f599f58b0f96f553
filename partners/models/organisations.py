from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from partners.zones import zone_for_country


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PARTNER = "partner", "Partner"
        RESELLER = "reseller", "Reseller"
        END_CUSTOMER = "end_customer", "End customer"

    class Tier(models.TextChoices):
        DIAMOND = "diamond", "Diamond"
        PLATINUM = "platinum", "Platinum"
        GOLD_PLUS = "gold_plus", "Gold Plus"
        GOLD = "gold", "Gold"
        SILVER = "silver", "Silver"
        BRONZE = "bronze", "Bronze"

    class Region(models.TextChoices):
        US = "us", "United States (support hours in New York time)"
        EU = "eu", "Europe (support hours in Central European time)"

    # Tiers that may act as the assigned upstream partner of a Bronze partner or a reseller.
    UPSTREAM_TIERS = frozenset({Tier.DIAMOND, Tier.PLATINUM, Tier.GOLD_PLUS, Tier.GOLD})

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PARTNER)
    tier = models.CharField(
        max_length=20, choices=Tier.choices, blank=True, help_text="Partners only."
    )
    region = models.CharField(
        max_length=2,
        choices=Region.choices,
        help_text="Decides which support calendar and default time zone apply.",
    )
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. IT or US.")
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40, blank=True)
    tax_id = models.CharField("tax id", max_length=40, blank=True)
    upstream_partner = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="downstream_organisations",
        help_text="The partner that supports this Bronze partner or reseller.",
    )
    installer = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="installed_customers",
        help_text="The partner or reseller that installed this end customer's system.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_tier_only_for_partners",
                condition=(Q(kind="partner") & ~Q(tier="")) | (~Q(kind="partner") & Q(tier="")),
            ),
            models.CheckConstraint(
                name="organisation_installer_only_for_end_customers",
                condition=Q(kind="end_customer") | Q(installer__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.PARTNER and not self.tier:
            errors["tier"] = "A partner needs a tier."
        if self.kind != self.Kind.PARTNER and self.tier:
            errors["tier"] = "Only partners have a tier."
        if self.upstream_partner_id:
            upstream = self.upstream_partner
            if upstream.pk == self.pk:
                errors["upstream_partner"] = "An organisation cannot be its own upstream partner."
            elif upstream.kind != self.Kind.PARTNER or upstream.tier not in self.UPSTREAM_TIERS:
                errors["upstream_partner"] = (
                    "The upstream partner must be a Diamond, Platinum, Gold Plus or Gold partner."
                )
        if self.installer_id:
            if self.kind != self.Kind.END_CUSTOMER:
                errors["installer"] = "Only end customers have an installer."
            elif self.installer.kind == self.Kind.END_CUSTOMER:
                errors["installer"] = "The installer must be a partner or a reseller."
        if errors:
            raise ValidationError(errors)

    @property
    def audience(self) -> str:
        """Who the support terms address: the partner's tier, or the kind for everyone else."""
        return self.tier if self.kind == self.Kind.PARTNER else self.kind

    @property
    def time_zone(self) -> str:
        """The zone of the organisation's support calendar (its region's)."""
        return settings.REGION_TIME_ZONES[self.region]

    @property
    def member_time_zone(self) -> str:
        """The zone its members see times in unless they pick their own: the country's
        (``partners.zones.zone_for_country``), not the support calendar's, so an Estonian
        partner on the ``eu`` calendar reads Tallinn time."""
        return zone_for_country(self.country, region_zone=self.time_zone)


class Device(models.Model):
    """A PBX (cloud or hardware) or a phone/device that an organisation runs."""

    class Kind(models.TextChoices):
        CLOUD_PBX = "cloud_pbx", "Cloud PBX"
        HARDWARE_PBX = "hardware_pbx", "Hardware PBX"
        DEVICE = "device", "Phone or device"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="devices")
    serial_number = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    pbx = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attached_devices",
        limit_choices_to={"kind__in": ["cloud_pbx", "hardware_pbx"]},
        help_text="For phones and devices: the PBX they are registered on.",
    )
    wms_version = models.CharField("WMS version", max_length=40, blank=True)
    firmware_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "kind", "name"]
        indexes = [models.Index(fields=["organisation", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial_number})"

    @property
    def is_pbx(self) -> bool:
        return self.kind in (self.Kind.CLOUD_PBX, self.Kind.HARDWARE_PBX)

    def clean(self) -> None:
        if self.pbx_id:
            if self.is_pbx:
                raise ValidationError({"pbx": "A PBX is not attached to another PBX."})
            if not self.pbx.is_pbx:
                raise ValidationError({"pbx": "Choose a PBX."})
            if self.pbx.organisation_id != self.organisation_id:
                raise ValidationError({"pbx": "The PBX must belong to the same organisation."})
