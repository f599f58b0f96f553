import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import tickets.models.requests


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("tickets", "0009_macros"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PartnerRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "referral",
                    models.CharField(
                        choices=[("upstream", "Assigned partner"), ("installer", "Installer")],
                        max_length=20,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Not sent"),
                            ("open", "Waiting for an answer"),
                            ("converted", "Taken up as a case"),
                            ("answered", "Answered"),
                            ("declined", "Declined"),
                        ],
                        default="draft",
                        max_length=20,
                    ),
                ),
                ("subject", models.CharField(max_length=200)),
                ("description", models.TextField()),
                ("case_type_code", models.CharField(blank=True, max_length=60)),
                ("case_type_name", models.CharField(blank=True, max_length=200)),
                ("reason_code", models.CharField(blank=True, max_length=60)),
                ("reason_name", models.CharField(blank=True, max_length=200)),
                (
                    "wms_version",
                    models.CharField(blank=True, max_length=40, verbose_name="WMS version"),
                ),
                ("firmware_versions", models.CharField(blank=True, max_length=200)),
                ("policy_version", models.CharField(blank=True, max_length=20)),
                ("submission_key", models.UUIDField(blank=True, editable=False, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("handled_at", models.DateTimeField(blank=True, null=True)),
                ("reply", models.TextField(blank=True)),
                (
                    "handled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests_received",
                        to="partners.organisation",
                    ),
                ),
                (
                    "sender",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests_sent",
                        to="partners.organisation",
                    ),
                ),
                (
                    "sent_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["recipient", "status", "-sent_at"], name="partner_request_inbox"
                    ),
                    models.Index(fields=["sender", "-created_at"], name="partner_request_sent"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("submission_key__isnull", False)),
                        fields=("sent_by", "submission_key"),
                        name="partner_request_one_per_submission",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PartnerRequestFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        max_length=300, upload_to=tickets.models.requests.partner_request_path
                    ),
                ),
                ("original_name", models.CharField(max_length=255)),
                ("content_type", models.CharField(max_length=100)),
                ("size", models.PositiveBigIntegerField()),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="files",
                        to="tickets.partnerrequest",
                    ),
                ),
            ],
            options={"ordering": ["id"]},
        ),
    ]
