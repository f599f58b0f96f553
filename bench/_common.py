"""What the benchmarks share: a database of their own, and fast bulk inserts.

Import after ``django.setup()``.
"""

import io
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection


def bench_database_name(suffix: str = "bench") -> str:
    if connection.vendor == "sqlite":
        return str(Path(settings.VAR_DIR) / f"{suffix}.sqlite3")
    return f"{settings.DATABASES['default']['NAME']}_{suffix}"


def create_bench_database(suffix: str = "bench") -> str:
    """Create and migrate ``<name>_<suffix>``; returns the name to restore afterwards."""
    db = settings.DATABASES["default"]
    original = db["NAME"]
    db.setdefault("TEST", {})["NAME"] = bench_database_name(suffix)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original


def bench_database_exists(suffix: str) -> bool:
    name = bench_database_name(suffix)
    if connection.vendor == "sqlite":
        return Path(name).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def use_bench_database(suffix: str) -> str:
    """Switch to an existing ``<name>_<suffix>`` (kept by an earlier run); returns the name to
    restore afterwards. ``destroy_test_db`` drops it like one made by ``create_bench_database``."""
    db = settings.DATABASES["default"]
    original = db["NAME"]
    name = bench_database_name(suffix)
    connection.close()
    db["NAME"] = connection.settings_dict["NAME"] = name
    return original


def drop_bench_database(original: str) -> None:
    connection.creation.destroy_test_db(original, verbosity=0)


def leave_bench_database(original: str) -> None:
    """Point back at the original database and keep the bench one."""
    connection.close()
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = original


def database_version() -> str:
    if connection.vendor != "postgresql":
        return "sqlite"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return cursor.fetchone()[0]


# --- Bulk inserts -------------------------------------------------------------------------


def copy_text(value) -> str:
    """A value as COPY's text format spells it."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, timedelta):
        return f"{value.total_seconds()} seconds"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def write(model, columns: list[str], rows) -> None:
    """Insert ``rows`` (tuples in ``columns`` order): COPY on PostgreSQL, batched INSERTs
    elsewhere. Values go in as each field would prepare them for the database."""
    table = connection.ops.quote_name(model._meta.db_table)
    by_column = {field.column: field for field in model._meta.concrete_fields}
    fields = [by_column[column] for column in columns]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(copy_text(value) for value in row))
                buffer.write("\n")
            # psycopg 3: the text format, written in one piece.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            return
        prepared = [
            [
                field.get_db_prep_save(value, connection)
                for field, value in zip(fields, row, strict=True)
            ]
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(columns))
        # Table and column names come from the models, quoted; the values are parameters.
        insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(insert, prepared)


def template(model, **values) -> tuple[list[str], list]:
    """Every column of ``model`` but the key, with the model's defaults and ``values``."""
    instance = model(**values)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    return [field.column for field in fields], [getattr(instance, f.attname) for f in fields]


def reset_sequences(*models) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)
