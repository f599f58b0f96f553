from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sla", "0006_out_of_hours_investigation")]

    operations = []
