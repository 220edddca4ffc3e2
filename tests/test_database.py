"""The API's connections (openproc/database.py): one that PostgreSQL closed (a restart closes them all) is replaced
when it is drawn, instead of failing the request that draws it; each runs with the settings' statement timeout and
JIT choice."""

import asyncio

import asyncpg
from sqlalchemy import text

from openproc.database import create_engine
from openproc.settings import Settings
from seed.loader import libpq


async def test_a_connection_the_server_closed_is_replaced_at_checkout(database_url: str) -> None:
    engine = create_engine(database_url, Settings(db_pool_size=1))
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
        # Back in the pool, the connection is ended by the server, as a restart would end it.
        administrator = await asyncpg.connect(libpq(database_url))
        try:
            assert await administrator.fetchval("SELECT pg_terminate_backend($1)", first)
        finally:
            await administrator.close()
        async with asyncio.timeout(10):
            while not driver.is_closed():  # noqa: ASYNC110 (waiting for asyncpg to read the server's goodbye)
                await asyncio.sleep(0.01)

        async with engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second is not None
        assert second != first
    finally:
        await engine.dispose()


async def test_connections_carry_the_statement_timeout_and_the_jit_choice(database_url: str) -> None:
    for jit in (False, True):
        engine = create_engine(database_url, Settings(db_pool_size=1, statement_timeout_s=2.5, db_jit=jit))
        try:
            async with engine.connect() as connection:
                assert await connection.scalar(text("SHOW statement_timeout")) == "2500ms"
                assert await connection.scalar(text("SHOW jit")) == ("on" if jit else "off")
        finally:
            await engine.dispose()
