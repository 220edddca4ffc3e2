"""A hub of this process on the writable database, for subscription servers the tests run in their own process."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from subscriptions.hub import Hub


@pytest.fixture
async def write_engine(write_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(write_url, Settings(db_pool_size=4))
    yield engine
    await engine.dispose()


@pytest.fixture
async def hub(write_engine: AsyncEngine) -> AsyncIterator[Hub]:
    hub = Hub(create_sessionmaker(write_engine), None, poll_interval=0.05)
    await hub.start()
    yield hub
    await hub.stop()
