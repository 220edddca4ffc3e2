"""The hub in-process: one read of the log per event for every listener of the process, and the schema's
subscription fields served by the socket server only."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.types import ExecutionResult

from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.context import Context
from resolvers.progress import Snapshot, Watch
from schema import schema
from schema.subscription import WATCHES, Subscription
from subscriptions.hub import Hub
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.subscriptions.test_live import PROGRESS


class Recorder:
    def __init__(self) -> None:
        self.sequences: list[int] = []
        self.rewinds = 0

    def deliver(self, snapshot: Snapshot) -> None:
        self.sequences.append(snapshot.event.seq)

    def rewound(self) -> None:
        self.rewinds += 1


@pytest.fixture
async def hub(write_url: str) -> AsyncIterator[Hub]:
    engine: AsyncEngine = create_engine(write_url, Settings(db_pool_size=2))
    # Reads only when woken: the test decides when the hub looks at the log.
    running = Hub(create_sessionmaker(engine), None, poll_interval=3600)
    await running.start()
    yield running
    await running.stop()
    await engine.dispose()


async def test_one_read_serves_every_listener(hub: Hub, desk: Desk) -> None:
    case = (await desk.register())["case"]
    await hub.read_now()  # the hub is at the end of the log
    listeners = [Recorder() for _ in range(3)]
    for listener in listeners:
        await hub.add(Watch(receipt_no=case["receiptNo"]), listener)
    reads = hub.reads

    first = case["steps"][0]
    await desk.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
    await hub.read_now()

    signed = (await desk.events_of(case["receiptNo"]))[-1]["sequence"]
    assert [listener.sequences for listener in listeners] == [[signed]] * 3
    assert hub.reads == reads + 1, "one batch read for every listener together"


async def test_every_subscription_field_has_its_watch_and_is_served_by_the_socket(context: Context) -> None:
    fields = {field.name for field in Subscription.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    assert {schema.config.name_converter.apply_naming_config(name) for name in fields} == set(WATCHES)

    stream = await schema.subscribe(PROGRESS, variable_values={"receiptNo": "x"}, context_value=context)
    assert not isinstance(stream, ExecutionResult)
    results = [result async for result in stream]
    assert results[0].errors is not None
    assert results[0].errors[0].extensions is not None
    assert results[0].errors[0].extensions["code"] == "INTERNAL", "never run outside the socket server"
