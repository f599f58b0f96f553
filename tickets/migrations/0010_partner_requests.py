from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_macros")]

    operations = []
