from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("availability", "0006_credit_active_period_required")]

    operations = []
