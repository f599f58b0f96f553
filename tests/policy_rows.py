"""The rows ``load_policy`` writes, kept after a real load so that later tests get the same
rows back in one INSERT per table: loading the three versions of the terms takes well over a
thousand queries, and most tests start from them.

A real load is kept only when it is exactly what it looks like: every table it wrote to was
empty before, and no other table changed. It is written back only where the same holds
(those tables are empty) and inside a test's transaction, where ``on_commit`` work never
runs. Anywhere else ``load_policy`` runs as it is.
"""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model

from partners.models import PolicyVersion
from tests.factories import load_policies

# A test whose tables were not empty is no example of a load; give up after a few.
ATTEMPTS = 3


class PolicyRows:
    def __init__(self) -> None:
        self.rows: dict[type[Model], list[dict]] | None = None
        self.attempts = 0

    def load(self) -> None:
        if not connection.in_atomic_block:
            load_policies()
        elif self.rows is not None and not any(model._base_manager.exists() for model in self.rows):
            self._write_back()
        elif self.rows is None and self.attempts < ATTEMPTS and not PolicyVersion.objects.exists():
            self.attempts += 1
            self.rows = _rows_written_by(load_policies)
        else:
            load_policies()

    def _write_back(self) -> None:
        for model, rows in self.rows.items():
            model._base_manager.bulk_create([model(**row) for row in rows])
        # The primary keys are the ones the first load got; keep each sequence ahead of them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.rows)):
                cursor.execute(sql)


def _table(model: type[Model]) -> list[dict]:
    return list(model._base_manager.order_by("pk").values())


def _rows_written_by(load) -> dict[type[Model], list[dict]] | None:
    """Run ``load``; return the rows it added, by model, if it only added rows to tables
    that were empty."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    before = {model: _table(model) for model in models}
    load()
    written = {}
    for model in models:
        after = _table(model)
        if after == before[model]:
            continue
        if before[model]:
            return None
        written[model] = after
    return written or None
