from django.db import migrations, models
from django.db.models import Min

import availability.models


def launched_on_from_records(apps, schema_editor):
    """A service already recorded ran at least since the earliest day anything names it: a
    subscription to it, an incident or maintenance on it, or a stored daily figure."""
    Service = apps.get_model("availability", "Service")
    for service in Service.objects.all():
        found = [
            service.subscriptions.aggregate(first=Min("starts_on"))["first"],
            service.days.aggregate(first=Min("day"))["first"],
        ]
        for related, field in ((service.incidents, "started_at"), (service.maintenance, "starts_at")):
            first = related.aggregate(first=Min(field))["first"]
            found.append(first.date() if first else None)
        earliest = min((day for day in found if day is not None), default=None)
        if earliest is not None and earliest < service.launched_on:
            service.launched_on = earliest
            service.save(update_fields=["launched_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0003_credit_incident_sets"),
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="launched_on",
            field=models.DateField(
                default=availability.models.utc_today,
                help_text="The first day (UTC) the service ran. The status page has no figures "
                "before it; every later day counts.",
            ),
        ),
        migrations.RunPython(launched_on_from_records, migrations.RunPython.noop),
    ]
