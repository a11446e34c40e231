"""Many rows updated to values of their own in one statement: `UPDATE ... FROM (VALUES ...)`.

Django's `bulk_update` writes a CASE with a branch per row and per field, which its compiler
takes milliseconds a row to build: fine for tens of rows, not for the thousands a background
task moves (the reminder planner's re-timing, the dashboard's ageing). PostgreSQL and SQLite
(3.33 or later) both read this form; a VALUES list's columns are column1, column2, ... in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import Model

BATCH = 1000


def rows_update(
    model: type[Model],
    fields: Sequence[str],
    values: Mapping[object, Sequence[object]],
    *,
    only_if: Mapping[str, object] | None = None,
) -> int:
    """Set `fields` of each row (by primary key) to its own values, where the row still
    matches `only_if` (column equals value, e.g. a status a concurrent worker may have changed
    since the caller read it). Returns how many rows were updated."""
    if not values:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = [meta.get_field(name) for name in fields]
    postgres = connection.vendor == "postgresql"

    def placeholder(field) -> str:
        # PostgreSQL reads a VALUES list's parameters as text unless told their type.
        return f"CAST(%s AS {field.db_type(connection)})" if postgres else "%s"

    row = f"({', '.join(placeholder(field) for field in [meta.pk, *columns])})"
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{n}" for n, field in enumerate(columns, start=2)
    )
    conditions = [f"{table}.{quote(meta.pk.column)} = v.column1"]
    condition_params: list[object] = []
    for name, value in (only_if or {}).items():
        field = meta.get_field(name)
        conditions.append(f"{table}.{quote(field.column)} = %s")
        condition_params.append(field.get_db_prep_value(value, connection))
    items = list(values.items())
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            params: list[object] = []
            for pk, row_values in batch:
                params.append(meta.pk.get_db_prep_value(pk, connection))
                params += [
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(columns, row_values, strict=True)
                ]
            cursor.execute(
                f"UPDATE {table} SET {assignments} "  # noqa: S608 - names from the model
                f"FROM (VALUES {', '.join([row] * len(batch))}) AS v "
                f"WHERE {' AND '.join(conditions)}",
                [*params, *condition_params],
            )
            updated += cursor.rowcount
    return updated
