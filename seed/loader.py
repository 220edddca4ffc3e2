"""Writes a generated data set with COPY, in one transaction, and keeps id sequences in step."""

from datetime import date

import asyncpg

from seed.generator import COLUMNS, TABLES, Dataset

# Tables with a serial id whose sequence must continue after the explicit ids COPY wrote.
SERIAL_TABLES = tuple(table for table in TABLES if COLUMNS[table][0] == "id")
# Everything the seed writes, plus what depends on it.
RESET_TABLES = (
    "ledger_checkpoint",
    "idempotency_record",
    "officer_token",
    "opinion",
    "scheduled_action_change",
    *reversed(TABLES),
)


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
    async with connection.transaction():
        if reset:
            names = ", ".join(f'"{table}"' for table in RESET_TABLES)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for table in TABLES:
            await connection.copy_records_to_table(table, records=dataset.rows[table], columns=list(COLUMNS[table]))
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
        await connection.execute("ANALYZE")
    return {table: dataset.count(table) for table in TABLES}
