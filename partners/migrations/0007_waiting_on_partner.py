import tomllib
from pathlib import Path

import django.core.validators
from django.db import migrations, models

POLICY_DATA_DIR = Path(__file__).resolve().parent.parent / "policy_data"


def fill_from_policy_files(apps, schema_editor):
    """Versions already on record take the waiting limits of their data file."""
    PolicyVersion = apps.get_model("partners", "PolicyVersion")
    for path in sorted(POLICY_DATA_DIR.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        waiting = data.get("waiting_on_partner", {})
        PolicyVersion.objects.filter(code=data["code"]).update(
            waiting_reminder_days=waiting.get("reminder_days", 5),
            waiting_resolve_days=waiting.get("resolve_days", 10),
            step_in_days=waiting.get("step_in_days"),
        )


class Migration(migrations.Migration):
    dependencies = [("partners", "0006_user_time_zone_from_country")]

    operations = [
        migrations.AddField(
            model_name="policyversion",
            name="waiting_reminder_days",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text="Business days a case waits on the partner before the partner is "
                "reminded.",
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="waiting_resolve_days",
            field=models.PositiveSmallIntegerField(
                default=10,
                help_text="Further business days after the reminder before the case is "
                "resolved for want of an answer.",
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="step_in_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                help_text="Business days a case about an end customer's system waits on the "
                "partner before staff may write to the end customer directly (14.5, from "
                "March 2026). Empty: the terms of this version do not allow it.",
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.RunPython(fill_from_policy_files, migrations.RunPython.noop),
    ]
