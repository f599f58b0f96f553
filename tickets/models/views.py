from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedView(models.Model):
    """A named way of looking at the agent queue: its filters and sort order, kept as the
    query string the queue page reads (``status=open&cos=critical&ordering=-created_at``).

    Its owner sees it alone, unless it is shared with the team: then everyone who works the
    queue sees it, and its owner and the team leads may rename or delete it.
    """

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Only me"
        TEAM = "team", "The whole team"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=60)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner"),
        ]
        indexes = [models.Index(fields=["visibility", "name"], name="saved_view_shared")]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.visibility == self.Visibility.TEAM
