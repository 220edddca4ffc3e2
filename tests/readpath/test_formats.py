"""The SQL renderings of IDs, instants and cursors equal what the Python side prints, to the character."""

from datetime import UTC, datetime

import asyncpg
import pytest
from strawberry.relay import to_base64

from readpath.compiler import cursor_sql
from readpath.tables import global_id, seoul_time
from resolvers.pagination import encode_cursor
from schema.time import local
from seed import loader

INSTANTS = [
    datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 14, 59, 59, 999_999, tzinfo=UTC),
    datetime(1999, 12, 31, 15, 0, 0, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("instant", INSTANTS)
async def test_instants_cursors_and_ids(database_url: str, instant: datetime) -> None:
    connection = await asyncpg.connect(loader.libpq(database_url))
    try:
        row = await connection.fetchrow(
            f"SELECT {seoul_time('p.at')}, {cursor_sql('DUE_AT_ASC', 'at')}, {global_id('Case', 'p.id')} "
            "FROM (SELECT $1::timestamptz AS at, $2::int AS id) p",
            instant,
            123_456,
        )
    finally:
        await connection.close()
    assert row is not None
    shown, cursor, node_id = row
    assert shown == local(instant).isoformat()
    assert cursor == encode_cursor("DUE_AT_ASC", instant, 123_456)
    assert node_id == to_base64("Case", 123_456)
