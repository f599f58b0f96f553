import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import availability.models.notices


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0006_credit_active_period_required"),
        ("tickets", "0006_notification_emails_through_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusFeedKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        default=availability.models.notices.new_feed_key, max_length=64, unique=True
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="status_feed_key",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="StatusNotice",
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
                            ("maintenance", "Maintenance announced"),
                            ("incident", "Incident update"),
                        ],
                        max_length=20,
                    ),
                ),
                ("subject", models.CharField(max_length=300)),
                ("body", models.TextField()),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("recipient_count", models.PositiveIntegerField(default=0)),
                (
                    "incident",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notices",
                        to="availability.incident",
                    ),
                ),
                (
                    "maintenance",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notices",
                        to="availability.maintenance",
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
                    "update",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notice",
                        to="availability.incidentupdate",
                    ),
                ),
            ],
            options={
                "ordering": ["-sent_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="StatusNoticeDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "email",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.outgoingemail",
                    ),
                ),
                (
                    "notice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="availability.statusnotice",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["notice", "pk"],
            },
        ),
        migrations.CreateModel(
            name="StatusSubscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "incidents",
                    models.BooleanField(default=True, help_text="E-mail the incident updates."),
                ),
                (
                    "maintenance",
                    models.BooleanField(default=True, help_text="E-mail announced maintenance."),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "service",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="followers",
                        to="availability.service",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="status_subscriptions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["service__name", "pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="statusnotice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "maintenance"), ("maintenance__isnull", False)),
                    models.Q(("kind", "incident"), ("incident__isnull", False)),
                    _connector="OR",
                ),
                name="status_notice_names_its_record",
            ),
        ),
        migrations.AddConstraint(
            model_name="statusnoticedelivery",
            constraint=models.UniqueConstraint(
                fields=("notice", "user"), name="status_notice_once_each"
            ),
        ),
        migrations.AddConstraint(
            model_name="statussubscription",
            constraint=models.UniqueConstraint(
                fields=("user", "service"), name="status_subscription_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="statussubscription",
            constraint=models.CheckConstraint(
                condition=models.Q(("incidents", True), ("maintenance", True), _connector="OR"),
                name="status_subscription_wants_something",
            ),
        ),
    ]
