"""The hub in-process: `schema.subscribe` on the same follow() path, and bounded buffers."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.types import ExecutionResult

from openproc.database import create_engine, create_sessionmaker
from resolvers.context import Context
from resolvers.progress import Snapshot
from schema import schema
from subscriptions.hub import Buffer, Hub, TooFarBehind
from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.subscriptions.test_live import PROGRESS


@pytest.fixture
async def hub(write_url: str) -> AsyncIterator[Hub]:
    engine: AsyncEngine = create_engine(write_url, pool_size=2)
    running = Hub(create_sessionmaker(engine), poll_interval=0.2)
    await running.start()
    yield running
    await running.stop()
    await engine.dispose()


async def test_schema_subscribe_replays_then_follows(hub: Hub, desk: Desk, officers: Officers) -> None:
    case = (await desk.register())["case"]
    first = case["steps"][0]
    await desk.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
    history = [event["sequence"] for event in await desk.events_of(case["receiptNo"])]

    stream = await schema.subscribe(
        PROGRESS,
        variable_values={"receiptNo": case["receiptNo"], "after": 0},
        context_value=Context(hub.sessions, hub=hub),
    )
    assert not isinstance(stream, ExecutionResult), stream
    received: list[dict[str, Any]] = []
    async for result in stream:
        assert result.errors is None
        assert result.data is not None
        received.append(result.data["caseProgress"])
        if len(received) == len(history):
            break

    assert [event["sequence"] for event in received] == history
    assert [event["type"] for event in received] == ["CASE_REGISTERED", "STEP_SIGNED"]
    assert hub.reads >= 1


def test_a_full_buffer_tells_where_to_resume() -> None:
    buffer = Buffer(limit=2)
    for _ in range(3):
        buffer.deliver(object())  # type: ignore[arg-type]

    async def drain() -> list[Snapshot]:
        return [await buffer.get(7), await buffer.get(7), await buffer.get(7)]

    with pytest.raises(TooFarBehind) as behind:
        asyncio.run(drain())
    assert behind.value.last_sequence == 7
