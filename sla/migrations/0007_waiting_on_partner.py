import django.db.models.deletion
from django.db import migrations, models

# Cases already waiting on the partner get their episode from the first sweep after this
# migration (``desk.actions.waiting``), counted from then: none is resolved at once for a
# wait that began before the limits existed.


class Migration(migrations.Migration):
    dependencies = [("sla", "0006_out_of_hours_investigation")]

    operations = [
        migrations.CreateModel(
            name="WaitingEpisode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("remind_at", models.DateTimeField(help_text="When the partner is reminded.")),
                (
                    "resolve_at",
                    models.DateTimeField(
                        help_text="When the case is resolved for want of an answer (moved "
                        "later if the reminder went out late)."
                    ),
                ),
                (
                    "step_in_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="From when staff may write to the end customer (14.5); "
                        "empty when the case's terms do not allow it.",
                        null=True,
                    ),
                ),
                ("reminded_at", models.DateTimeField(blank=True, null=True)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="waiting_episodes",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "ordering": ["ticket", "started_at"],
                "indexes": [
                    models.Index(
                        condition=models.Q(
                            ("ended_at__isnull", True), ("reminded_at__isnull", True)
                        ),
                        fields=["remind_at"],
                        name="waiting_reminder_pending",
                    ),
                    models.Index(
                        condition=models.Q(
                            ("ended_at__isnull", True), ("reminded_at__isnull", False)
                        ),
                        fields=["resolve_at"],
                        name="waiting_resolution_pending",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("ended_at__isnull", True)),
                        fields=("ticket",),
                        name="waiting_one_open_episode",
                    )
                ],
            },
        ),
    ]
