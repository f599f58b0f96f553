from django.db import migrations, models


class Migration(migrations.Migration):
    """Separate from 0005: PostgreSQL refuses to alter a table in the transaction that just
    updated its rows."""

    dependencies = [
        ("availability", "0005_credit_active_period"),
    ]

    operations = [
        migrations.AlterField(
            model_name="credit",
            name="active_from",
            field=models.DateField(
                help_text="The first day of the month the subscription was active, in its zone."
            ),
        ),
        migrations.AlterField(
            model_name="credit",
            name="active_until",
            field=models.DateField(
                help_text="The last day of the month the subscription was active, in its zone."
            ),
        ),
        migrations.AlterField(
            model_name="credit",
            name="prorated_fee",
            field=models.DecimalField(
                decimal_places=2,
                max_digits=12,
                help_text="The fee for the active days, which the credit is taken from.",
            ),
        ),
    ]
