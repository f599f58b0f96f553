from django.conf import settings
from django.db import models
from django.utils import timezone


class Article(models.Model):
    """A knowledge-base article, suggested while partners describe a problem."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField()
    product = models.CharField(max_length=100, blank=True)
    case_type_code = models.SlugField(
        max_length=40, blank=True, help_text="Case type code it helps with, e.g. tech_support."
    )
    reason_code = models.SlugField(max_length=60, blank=True, help_text="Case reason code.")
    device_kind = models.CharField(
        max_length=20, blank=True, help_text="Device kind it is about (cloud_pbx, device…)."
    )
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class Deflection(models.Model):
    """A partner said an article solved the problem, so no case was opened."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    query = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["article", "at"], name="deflection_article_time")]

    def __str__(self) -> str:
        return f"{self.article_id} solved for {self.organisation_id}"
