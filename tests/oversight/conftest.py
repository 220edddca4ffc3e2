"""A database of its own for the oversight tests: the demo's reference data, and a hand-made history."""

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from openproc.app import create_app
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.context import Context
from resolvers.dataloaders import Sessions
from seed import generator, loader
from seed.scale import SCALES, Scale
from tests.conftest import fresh_database
from tests.helpers import Officers
from tests.oversight import history

REFERENCE_ONLY = Scale(**{**SCALES["demo"].__dict__, "name": "reference", "cases": 0, "inspection_teams": 0})


async def with_reference_data(purpose: str, as_of: datetime) -> AsyncIterator[str]:
    """A fresh database holding the demo's reference data (task types, departments, officers, holidays) only."""
    async for url in fresh_database(purpose):
        connection = await loader.connect(url)
        try:
            dataset = generator.generate(REFERENCE_ONLY, as_of, await loader.holidays(connection), seed=7)
            await loader.write(connection, dataset, reset=False)
        finally:
            await connection.close()
        yield url


@pytest.fixture(scope="session")
async def oversight_url(as_of: datetime) -> AsyncIterator[str]:
    async for url in with_reference_data("oversight", as_of):
        yield url


@pytest.fixture(scope="session")
async def oversight_engine(oversight_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(oversight_url, Settings(db_pool_size=4))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def oversight_sessions(oversight_engine: AsyncEngine) -> Sessions:
    return create_sessionmaker(oversight_engine)


@pytest.fixture(scope="session")
async def made(oversight_sessions: Sessions) -> history.History:
    return await history.write(oversight_sessions)


@pytest.fixture
def oversight_context(oversight_sessions: Sessions, made: history.History) -> Context:
    return Settings().context(oversight_sessions)


@pytest.fixture(scope="session")
async def oversight_app(oversight_url: str, made: history.History) -> AsyncIterator[Starlette]:
    app = create_app(oversight_url, Settings(db_pool_size=4))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def watchdog(oversight_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app over the hand-made history."""
    await oversight_app.state.limiter.reset()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=oversight_app), base_url="http://testserver"
    ) as http:
        yield http


@pytest.fixture(scope="session")
def oversight_officers(oversight_url: str) -> Officers:
    return Officers(oversight_url)
