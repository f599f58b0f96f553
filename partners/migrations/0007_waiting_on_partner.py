from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("partners", "0006_user_time_zone_from_country")]

    operations = []
