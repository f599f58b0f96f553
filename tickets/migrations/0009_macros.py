import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_saved_views"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Macro",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=80, unique=True)),
                ("body", models.TextField(help_text="The reply, with placeholders in braces.")),
                (
                    "status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("new", "New"),
                            ("open", "Open"),
                            ("waiting_on_partner", "Waiting on partner"),
                            ("resolved", "Resolved"),
                            ("closed", "Closed"),
                        ],
                        help_text=(
                            "The status the case moves to when the reply is sent; blank leaves it."
                        ),
                        max_length=20,
                    ),
                ),
                (
                    "assign",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Leave the assignment as it is"),
                            ("me", "Assign to the agent who sends it"),
                            ("nobody", "Unassign"),
                        ],
                        max_length=10,
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["name"]},
        ),
    ]
