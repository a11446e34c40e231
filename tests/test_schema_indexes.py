"""No index duplicates the leading columns of another on the same table.

A b-tree on (a) next to one on (a, b) or a unique constraint on (a, b) serves no lookup the
longer one does not, yet every insert pays for it and it takes disk: at 100,000 patients the
exercise log's session index and the revision's assessment index alone were about 200 MB.
Django gives every foreign key such an index unless it says `db_index=False`, so the fault comes
back with each new model; this test reads the migrated PostgreSQL schema and names it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

# (table, redundant index) -> why it stays.
EXCEPTIONS = {
    ("clinic_user_groups", "clinic_user_groups_user_id_efb7f01e"): "Django's own many-to-many "
    "table for AbstractUser.groups; changing it would need a custom through model",
    ("clinic_user_user_permissions", "clinic_user_user_permissions_user_id_6098a783"): "the "
    "same, for AbstractUser.user_permissions",
}

# Every plain b-tree index with its key columns, their operator classes and their sort options:
# an index is redundant when another b-tree starts with the same columns in the same classes and
# directions. Partial and expression indexes serve other queries; a unique index as long as the
# other one enforces something and stays.
DUPLICATES = """
WITH ix AS (
    SELECT i.indrelid::regclass::text AS tbl,
           c.relname AS idx,
           string_to_array(i.indkey::text, ' ')::int[] AS cols,
           string_to_array(i.indclass::text, ' ')::oid[] AS classes,
           string_to_array(i.indoption::text, ' ')::int[] AS options,
           i.indisunique AS uniq,
           i.indpred IS NULL AND i.indexprs IS NULL AS plain
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND am.amname = 'btree'
)
SELECT a.tbl, a.idx, b.idx
FROM ix a
JOIN ix b ON b.tbl = a.tbl AND b.idx <> a.idx AND b.plain
WHERE a.plain
  AND cardinality(a.cols) <= cardinality(b.cols)
  AND a.cols = b.cols[1:cardinality(a.cols)]
  AND a.classes = b.classes[1:cardinality(a.cols)]
  AND a.options = b.options[1:cardinality(a.cols)]
  AND NOT (a.uniq AND cardinality(a.cols) = cardinality(b.cols))
  AND a.tbl = ANY(%s)
ORDER BY 1, 2, 3
"""


def project_tables() -> list[str]:
    """Tables of Dorsi's own apps (auth, axes and sessions ship their own migrations)."""
    root = Path(settings.BASE_DIR).resolve()
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        path = Path(model._meta.app_config.path).resolve()
        # A virtual environment inside the checkout (CI's .venv) holds the third-party apps.
        if path.is_relative_to(root) and "site-packages" not in path.parts:
            tables.add(model._meta.db_table)
    return sorted(tables)


@pytest.mark.postgres
@pytest.mark.django_db
def test_no_index_is_a_prefix_of_another_on_the_same_table():
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATES, [project_tables()])
        found = cursor.fetchall()
    redundant = sorted(
        f"{table}.{index} (covered by {longer})"
        for table, index, longer in found
        if (table, index) not in EXCEPTIONS
    )
    assert redundant == [], (
        "Drop these indexes (db_index=False on the foreign key, and a migration that drops the "
        "index by name) or list why they stay in EXCEPTIONS:\n" + "\n".join(redundant)
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_exceptions_are_still_there():
    # An exception whose index is gone is stale and would hide a new fault of the same name.
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATES, [project_tables()])
        found = {(table, index) for table, index, _ in cursor.fetchall()}
    assert set(EXCEPTIONS) <= found
