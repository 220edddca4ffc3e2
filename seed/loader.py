"""Writes a generated data set with COPY, in one transaction, and keeps id sequences in step.

Which columns each table is written with, and in which order the tables load, come from the models' metadata:
the generator's rows only name the columns they give.
"""

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import Column, Table

from models import Base
from seed.generator import ROW_TYPES, Dataset, Row


def load_order(names: Collection[str]) -> tuple[str, ...]:
    """`names` in the models' dependency order: a referenced table before the tables that refer to it.

    `department.head_id` → `officer` is declared `use_alter`, so it does not count; `write` sets heads by an UPDATE
    once both tables are loaded.
    """
    unknown = sorted(set(names) - set(Base.metadata.tables))
    if unknown:
        raise ValueError(f"the seed fills table {unknown[0]!r}, which no model declares")
    return tuple(table.name for table in Base.metadata.sorted_tables if table.name in names)


# Everything the seed writes, in load order.
TABLES = load_order(ROW_TYPES)
# Tables with a serial id whose sequence must continue after the explicit ids COPY wrote.
SERIAL_TABLES = tuple(table for table in TABLES if Base.metadata.tables[table].autoincrement_column is not None)
# Everything the seed writes, plus what depends on it.
RESET_TABLES = (
    "ledger_checkpoint",
    "idempotency_record",
    "officer_token",
    "opinion",
    "scheduled_action_change",
    *reversed(TABLES),
)


def _fills_itself(table: Table, column: Column[Any]) -> bool:
    """Whether the database gives `column` a value when a COPY leaves it out.

    A Python-side `default` does not count: COPY never passes through SQLAlchemy, so only the database's own
    defaults (a server default, a serial or identity column, a generated column) or NULL apply.
    """
    return (
        column.nullable is True
        or column.server_default is not None
        or column.computed is not None
        or column.identity is not None
        or column is table.autoincrement_column
    )


def _given(table: Table, rows: Sequence[Row]) -> tuple[str, ...]:
    """The columns every row of `rows` (at least one) names, in the rows' own order; the same for all rows."""
    fields = rows[0]._fields
    for number, row in enumerate(rows):
        if row._fields != fields:
            differ = sorted(set(row._fields) ^ set(fields)) or ["(the same columns in another order)"]
            raise ValueError(
                f"rows of table {table.name!r} give different columns: row {number} differs from row 0 in "
                f"{', '.join(differ)}"
            )
    return fields


def copy_columns(table: Table, rows: Sequence[Row]) -> list[str]:
    """The columns to COPY `rows` into `table` with: the table's own column order, kept to those the rows give.

    Raises ValueError, naming table and column, when a row names a column the table does not have, when the rows
    do not all give the same columns, or when they leave out a NOT NULL column the database cannot fill itself.
    """
    given = _given(table, rows)
    columns = {column.name for column in table.columns}
    for name in given:
        if name not in columns:
            raise ValueError(f"table {table.name!r} has no column {name!r}")
    for column in table.columns:
        if column.name not in given and not _fills_itself(table, column):
            raise ValueError(
                f"rows of table {table.name!r} leave out column {column.name!r}, which is NOT NULL and has no "
                "server default"
            )
    return [column.name for column in table.columns if column.name in given]


def records(columns: Sequence[str], rows: Sequence[Row]) -> Sequence[Sequence[object]]:
    """`rows` with their values in the order of `columns` (as they are when the fields follow the table)."""
    positions = [rows[0]._fields.index(name) for name in columns]
    if positions == list(range(len(rows[0]._fields))):
        return rows
    return [tuple(row[position] for position in positions) for row in rows]


def plan(dataset: Dataset) -> list[tuple[str, list[str], Sequence[Sequence[object]]]]:
    """(table, columns, records) for each COPY, in load order; checked before anything is written."""
    unexpected = sorted(set(dataset.rows) - set(TABLES))
    if unexpected:
        raise ValueError(f"the data set has rows for table {unexpected[0]!r}, which seed.generator.ROW_TYPES lacks")
    copies = []
    for name in TABLES:
        rows = dataset.rows.get(name)
        if rows:  # no rows, no COPY (and no columns to take from them)
            columns = copy_columns(Base.metadata.tables[name], rows)
            copies.append((name, columns, records(columns, rows)))
    return copies


def libpq(url: str) -> str:
    """asyncpg speaks libpq URLs; drop a SQLAlchemy driver suffix if one was given."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(libpq(url))


async def has_cases(connection: asyncpg.Connection) -> bool:
    return bool(await connection.fetchval('SELECT EXISTS (SELECT 1 FROM "case")'))


async def holidays(connection: asyncpg.Connection) -> set[date]:
    return {row["day"] for row in await connection.fetch("SELECT day FROM public_holiday")}


async def write(connection: asyncpg.Connection, dataset: Dataset, *, reset: bool) -> dict[str, int]:
    """COPY every table of `dataset`; with `reset`, the previous demo data goes first, in the same transaction."""
    copies = plan(dataset)
    async with connection.transaction():
        if reset:
            names = ", ".join(f'"{table}"' for table in RESET_TABLES)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for table, columns, rows in copies:
            await connection.copy_records_to_table(table, records=rows, columns=columns)
        for table in SERIAL_TABLES:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), coalesce(max(id), 0) + 1, false) "
                f'FROM "{table}"'
            )
        heads = dataset.heads
        await connection.execute(
            "UPDATE department AS d SET head_id = h.head FROM unnest($1::int[], $2::int[]) AS h(id, head) "
            "WHERE d.id = h.id",
            list(heads),
            list(heads.values()),
        )
        await connection.execute("UPDATE event_counter SET last_seq = (SELECT coalesce(max(seq), 0) FROM event)")
        # The cases' history ends here: delays in it are historic, summarized rather than announced one by one.
        await connection.execute(
            "UPDATE delay_watermark SET history_until = greatest(history_until, "
            "(SELECT max(recorded_at) FROM event WHERE case_id IS NOT NULL))"
        )
        await connection.execute("ANALYZE")
    # Marks the loaded events all-visible, so index-only scans (the audit's endings) need not visit the table;
    # autovacuum would get there only after a fifth more events.
    await connection.execute("VACUUM event")
    # Reported in the generator's order, which reads as the data was made: organisation, reference data, cases.
    return {table: dataset.count(table) for table in ROW_TYPES}
