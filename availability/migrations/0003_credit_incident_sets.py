import hashlib

import django.db.models.deletion
from django.db import migrations, models


def share_incident_sets(apps, schema_editor):
    """Each credit's own list of incidents becomes a reference to a shared set."""
    Credit = apps.get_model("availability", "Credit")
    IncidentSet = apps.get_model("availability", "IncidentSet")
    sets = {}
    for credit in Credit.objects.prefetch_related("incidents"):
        ids = sorted(incident.pk for incident in credit.incidents.all())
        if not ids:
            continue
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
        if digest not in sets:
            sets[digest] = IncidentSet.objects.create(digest=digest)
            sets[digest].incidents.set(ids)
        credit.counted = sets[digest]
        credit.save(update_fields=["counted"])


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0002_daily_figures_and_updates"),
    ]

    operations = [
        migrations.CreateModel(
            name="IncidentSet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True)),
                (
                    "incidents",
                    models.ManyToManyField(
                        related_name="incident_sets", to="availability.incident"
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="credit",
            name="counted",
            field=models.ForeignKey(
                blank=True,
                help_text="The incidents counted; empty when none was.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="credits",
                to="availability.incidentset",
            ),
        ),
        migrations.RunPython(share_incident_sets, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="credit",
            name="incidents",
        ),
    ]
