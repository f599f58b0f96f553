from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_clocks_outbox")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["next_breach_at", "created_at", "id"], name="ticket_by_breach"
            ),
        ),
    ]
