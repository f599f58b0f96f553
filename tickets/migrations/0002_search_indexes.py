"""Full-text search indexes, on PostgreSQL only (SQLite has no GIN indexes)."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from tickets.search import article_vector, ticket_vector

INDEXES = [
    ("ticket", GinIndex(ticket_vector(), name="ticket_search")),
    ("article", GinIndex(article_vector(), name="article_search")),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in INDEXES:
        schema_editor.add_index(apps.get_model("tickets", model_name), index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in INDEXES:
        schema_editor.remove_index(apps.get_model("tickets", model_name), index)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
