from django.db import models


class Calendar(models.Model):
    """Support hours: a weekly pattern in a time zone, closed on the listed dates.

    ``week`` maps the weekday (0 = Monday) to open intervals in local wall time, e.g.
    ``{"0": [["09:00", "18:00"]]}``; "24:00" may close an interval.
    """

    code = models.SlugField(max_length=20, unique=True, help_text='"us", "eu" or "24x7".')
    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64)
    week = models.JSONField(default=dict)
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO country whose public holidays close this calendar (empty: none).",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ClosedDate(models.Model):
    """A whole local date on which a calendar is closed: a public holiday or a closure."""

    class Source(models.TextChoices):
        PUBLIC_HOLIDAY = "public_holiday", "Public holiday"
        CLOSURE = "closure", "Closure set by an administrator"

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    name = models.CharField(max_length=150)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.CLOSURE)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="closed_date_once_per_calendar"
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar.code} closed {self.date}: {self.name}"
