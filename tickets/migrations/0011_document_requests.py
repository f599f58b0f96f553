from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_partner_requests")]

    operations = []
