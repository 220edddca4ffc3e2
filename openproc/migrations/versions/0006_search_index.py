"""search_index (search)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

One search over cases, task types, departments, officers and legal references. The embedded server (`pgserver`)
ships no contrib extensions, so there is no pg_trgm: each searchable table gets a stored column of the character
bigrams of its searchable text, from a core-only SQL function, with a GIN index (core `array_ops`).

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bigrams suit Korean, where two-syllable words are common; a one-character word is its own gram. Words are split
# at white space and ASCII punctuation (and the middle dot of 실·국), spelled out as ranges rather than [:punct:],
# whose meaning beyond ASCII depends on the locale: the function must be truly IMMUTABLE for a stored column.
# The SQL-standard body (RETURN) is parsed once at creation, so it never depends on the caller's search_path: a
# restore (pg_dump empties search_path) recomputes the generated columns with the same result.
CREATE_FUNCTION = r"""
CREATE FUNCTION search_grams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(
    SELECT DISTINCT CASE WHEN char_length(word) = 1 THEN word ELSE substr(word, i, 2) END AS gram
    FROM regexp_split_to_table(lower(value), '[\s!-/:-@[-`{-~·]+') AS word,
        generate_series(1, greatest(char_length(word) - 1, 1)) AS i
    WHERE word <> ''
    ORDER BY gram
)
"""

# The searchable text of each table, exactly as the models declare it (models/*.py, `Computed`).
SOURCES = {
    "case": "search_grams(receipt_no || ' ' || title || ' ' || location)",
    "task_type": "search_grams(code || ' ' || name)",
    "department": "search_grams(code || ' ' || name)",
    "officer": "search_grams(name || ' ' || title)",
    "legal_reference": "search_grams(law || ' ' || article || ' ' || title)",
}


def upgrade() -> None:
    op.execute(CREATE_FUNCTION)
    for table, expression in SOURCES.items():
        # Adding a stored generated column rewrites the table once, filling it for the existing rows.
        op.add_column(
            table,
            sa.Column(
                "search_grams",
                postgresql.ARRAY(sa.Text()),
                sa.Computed(expression, persisted=True),
                nullable=True,
            ),
        )
        op.create_index(op.f(f"ix_{table}_search_grams"), table, ["search_grams"], unique=False, postgresql_using="gin")


def downgrade() -> None:
    for table in SOURCES:
        op.drop_index(op.f(f"ix_{table}_search_grams"), table_name=table, postgresql_using="gin")
        op.drop_column(table, "search_grams")
    op.execute("DROP FUNCTION search_grams(text)")
