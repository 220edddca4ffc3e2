"""The migrations build exactly the tables the models describe, and keep the vocabularies in step."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Base, EventType


async def test_migrated_database_matches_the_models(engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_event_counter_and_holidays_are_seeded_by_the_migration(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        last_seq = await connection.scalar(text("SELECT last_seq FROM event_counter WHERE id = 1"))
        events = await connection.scalar(text("SELECT count(*) FROM event"))
        chuseok = await connection.scalar(text("SELECT name FROM public_holiday WHERE day = '2026-09-25'"))
    assert last_seq == events, "the counter continues after the demo history, without a gap"
    assert chuseok == "추석"


async def test_every_event_kind_the_code_declares_is_a_row_and_no_other_kind_is_stored(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        kinds = set(await connection.scalars(text("SELECT name FROM event_type")))
        with pytest.raises(IntegrityError, match="fk_event_type_event_type"):
            await connection.execute(
                text(
                    "INSERT INTO event (seq, type, occurred_at, recorded_at, payload) "
                    "VALUES (-1, 'case_teleported', now(), now(), '{}')"
                )
            )
    assert kinds == {kind.value for kind in EventType}
