"""The three support calendars of the terms: US and European office hours, and 24x7."""

from django.db import migrations

OFFICE_WEEK = {str(day): [["09:00", "18:00"]] for day in range(5)}
ALWAYS_WEEK = {str(day): [["00:00", "24:00"]] for day in range(7)}
CALENDARS = [
    ("us", "US support hours", "America/New_York", OFFICE_WEEK, "US"),
    ("eu", "European support hours", "Europe/Rome", OFFICE_WEEK, "IT"),
    ("24x7", "Around the clock", "UTC", ALWAYS_WEEK, ""),
]


def create(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    for code, name, tz, week, country in CALENDARS:
        Calendar.objects.get_or_create(
            code=code,
            defaults={"name": name, "time_zone": tz, "week": week, "holiday_country": country},
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
