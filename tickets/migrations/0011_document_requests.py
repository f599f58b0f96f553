import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_partner_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="activation_date",
            field=models.DateField(
                blank=True,
                help_text="CLASSOUND cases: the date the vendor completed the technical "
                "activation or the porting (terms 7.9.1); charges for the service start on it.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("sla_warning", "SLA warning"),
                    ("sla_breach", "SLA breach"),
                    ("out_of_hours", "Critical case out of hours"),
                    ("monitoring", "Monitoring alert"),
                    ("documents_overdue", "Documents overdue (partner non-responsive)"),
                ],
                max_length=30,
            ),
        ),
        migrations.CreateModel(
            name="DocumentRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("asked_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("due_date", models.DateField(help_text="The last day, in the partner's zone.")),
                (
                    "due_at",
                    models.DateTimeField(
                        help_text="The end of the due date in the partner's zone."
                    ),
                ),
                ("note", models.TextField(blank=True)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("open", "Waiting for the partner"),
                            ("received", "All documents received"),
                            ("overdue", "Overdue: partner non-responsive"),
                        ],
                        default="open",
                        max_length=10,
                    ),
                ),
                ("remind_first_at", models.DateTimeField(blank=True, null=True)),
                ("reminded_first_at", models.DateTimeField(blank=True, null=True)),
                ("remind_last_at", models.DateTimeField(blank=True, null=True)),
                ("reminded_last_at", models.DateTimeField(blank=True, null=True)),
                ("non_responsive_at", models.DateTimeField(blank=True, null=True)),
                ("received_at", models.DateTimeField(blank=True, null=True)),
                (
                    "asked_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="document_requests",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "ordering": ["asked_at", "id"],
                "indexes": [
                    models.Index(fields=["ticket", "asked_at"], name="docrequest_ticket"),
                    models.Index(
                        condition=models.Q(("state", "open")),
                        fields=["due_at"],
                        name="docrequest_open_due",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="DocumentItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("authorisation", "Letter of authorisation"),
                            ("identity", "Identity evidence"),
                            ("address", "Address evidence"),
                            ("tax", "Tax documents"),
                            ("regulatory", "Regulatory documents"),
                            ("other", "Other"),
                        ],
                        max_length=20,
                    ),
                ),
                ("label", models.CharField(max_length=200)),
                ("note", models.CharField(blank=True, max_length=500)),
                ("fulfilled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "attachment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.attachment",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="tickets.documentrequest",
                    ),
                ),
            ],
            options={"ordering": ["id"]},
        ),
    ]
