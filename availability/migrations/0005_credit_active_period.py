from datetime import date, timedelta

from django.db import migrations, models


def whole_month_for_existing_credits(apps, schema_editor):
    """Credits worked out before the active period was kept were taken from the whole
    month's fee; they say so until they are computed again."""
    Credit = apps.get_model("availability", "Credit")
    for credit in Credit.objects.filter(active_from__isnull=True).only(
        "pk", "month", "monthly_fee"
    ):
        month = credit.month
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        credit.active_from = month
        credit.active_until = following - timedelta(days=1)
        credit.prorated_fee = credit.monthly_fee
        credit.save(update_fields=["active_from", "active_until", "prorated_fee"])


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0004_service_launched_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="credit",
            name="active_from",
            field=models.DateField(
                null=True,
                help_text="The first day of the month the subscription was active, in its zone.",
            ),
        ),
        migrations.AddField(
            model_name="credit",
            name="active_until",
            field=models.DateField(
                null=True,
                help_text="The last day of the month the subscription was active, in its zone.",
            ),
        ),
        migrations.AddField(
            model_name="credit",
            name="prorated_fee",
            field=models.DecimalField(
                decimal_places=2,
                max_digits=12,
                null=True,
                help_text="The fee for the active days, which the credit is taken from.",
            ),
        ),
        migrations.RunPython(whole_month_for_existing_credits, migrations.RunPython.noop),
    ]
