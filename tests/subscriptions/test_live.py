"""Live progress over a real WebSocket, against a real server process."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets

from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, START, Desk, db_id
from tests.subscriptions.servers import ServerProcess, Watcher, server

PROGRESS = """
subscription($receiptNo: String!, $after: Int) {
  caseProgress(receiptNo: $receiptNo, after: $after) {
    sequence type
    case { receiptNo status currentStep { sequence } }
    step { sequence status signedAt signer { name } officer { name title } }
  }
}
"""


@pytest.fixture
async def live(write_url: str) -> AsyncIterator[ServerProcess]:
    async with server(write_url) as running:
        yield running


@pytest.fixture
async def remote(live: ServerProcess, officers: Officers) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        yield Desk(client, officers)


async def test_a_signature_is_pushed_to_the_watcher(live: ServerProcess, remote: Desk) -> None:
    # Given a watcher of a freshly registered case
    case = (await remote.register())["case"]
    registered = (await remote.events_of(case["receiptNo"]))[-1]["sequence"]
    watcher = await Watcher.open(live.ws, PROGRESS, receiptNo=case["receiptNo"], after=registered)
    step = case["steps"][0]

    # When its officer signs the first step over HTTP
    signed = await remote.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})

    # Then the watcher gets the event with the case's new state
    event = (await watcher.next())["caseProgress"]
    await watcher.close()
    assert event["type"] == "STEP_SIGNED"
    assert event["step"]["sequence"] == 1
    assert event["step"]["status"] == "SIGNED"
    assert event["step"]["signedAt"] == signed["step"]["signedAt"]
    assert event["case"]["currentStep"]["sequence"] == 2


async def test_a_watcher_resumes_without_gap_or_duplicate(live: ServerProcess, remote: Desk) -> None:
    case = (await remote.register())["case"]
    first, second, third = case["steps"][:3]
    registered = (await remote.events_of(case["receiptNo"]))[-1]["sequence"]
    watcher = await Watcher.open(live.ws, PROGRESS, receiptNo=case["receiptNo"], after=registered)
    await remote.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
    seen = (await watcher.next())["caseProgress"]["sequence"]
    await watcher.close()

    # Missed while away: the second step started and signed, the third started.
    for query, step in ((START, second), (SIGN, second), (START, third)):
        await remote.ok(query, db_id(step["officer"]["id"]), input={"stepId": step["id"]})
    resumed = await Watcher.open(live.ws, PROGRESS, receiptNo=case["receiptNo"], after=seen)
    caught_up = [(await resumed.next())["caseProgress"] for _ in range(3)]
    await remote.ok(SIGN, db_id(third["officer"]["id"]), input={"stepId": third["id"]})
    live_event = (await resumed.next())["caseProgress"]
    await resumed.close()

    sequences = [event["sequence"] for event in [*caught_up, live_event]]
    assert [event["type"] for event in caught_up] == ["STEP_STARTED", "STEP_SIGNED", "STEP_STARTED"]
    assert sequences == sorted(set(sequences)), "in order, no duplicate"
    history = [event["sequence"] for event in await remote.events_of(case["receiptNo"])]
    assert sequences == [sequence for sequence in history if sequence > seen], "no gap"


async def test_many_watchers_of_one_case_share_the_rendering(live: ServerProcess, remote: Desk) -> None:
    case = (await remote.register())["case"]
    registered = (await remote.events_of(case["receiptNo"]))[-1]["sequence"]
    watchers = await asyncio.gather(
        *(Watcher.open(live.ws, PROGRESS, receiptNo=case["receiptNo"], after=registered) for _ in range(50))
    )
    step = case["steps"][0]
    await remote.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})

    events = await asyncio.gather(*(watcher.next() for watcher in watchers))
    await asyncio.gather(*(watcher.close() for watcher in watchers))
    assert len({json.dumps(event, sort_keys=True) for event in events}) == 1


async def test_queries_run_over_the_socket_too(live: ServerProcess) -> None:
    async with websockets.connect(live.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        await socket.recv()
        await socket.send(
            json.dumps({"id": "q", "type": "subscribe", "payload": {"query": '{ taskType(code: "BLD-PMT") { name } }'}})
        )
        result = json.loads(await socket.recv())
        done = json.loads(await socket.recv())
    assert result["payload"]["data"]["taskType"]["name"] == "건축허가"
    assert done == {"id": "q", "type": "complete"}


async def _closed_with(url: str, *messages: Any, protocol: str = "graphql-transport-ws") -> int:
    """The close code the server answers `messages` with (it must close within five seconds)."""
    async with websockets.connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        for message in messages:
            await socket.send(json.dumps(message))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(_drain(socket), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def _drain(socket: Any) -> None:
    while True:
        await socket.recv()


INIT = {"type": "connection_init"}
SUBSCRIBE = {"id": "1", "type": "subscribe", "payload": {"query": "subscription { events { sequence } }"}}


# graphql-transport-ws (PROTOCOL.md of enisdenjo/graphql-ws), one rule each: the messages, and the close code.
@pytest.mark.parametrize(
    ("messages", "codes"),
    [
        pytest.param([SUBSCRIBE], {4401}, id="Subscribe before ConnectionAck: 4401 Unauthorized"),
        pytest.param([INIT, INIT], {4429}, id="a second ConnectionInit: 4429 Too many initialisation requests"),
        pytest.param([INIT, SUBSCRIBE, SUBSCRIBE], {4409}, id="a Subscribe id in use: 4409 Subscriber already exists"),
        pytest.param([INIT, {"type": "nonsense"}], {4400}, id="an unknown message type: 4400"),
        pytest.param(
            [{"type": "connection_init", "payload": {"padding": "x" * 70_000}}],
            {1009, 4413},
            id="a message over 64 KiB: 1009 or 4413",
        ),
    ],
)
async def test_protocol_rules_are_enforced(live: ServerProcess, messages: list[Any], codes: set[int]) -> None:
    assert await _closed_with(live.ws, *messages) in codes


async def test_another_subprotocol_is_refused_at_the_handshake(live: ServerProcess) -> None:
    with pytest.raises(websockets.InvalidStatus):
        await _closed_with(live.ws, INIT, protocol="graphql-ws")


async def test_ping_is_answered_at_any_time_and_pong_or_an_unknown_complete_changes_nothing(
    live: ServerProcess,
) -> None:
    """Ping and Pong may be sent at any time, before ConnectionInit too; a Pong needs no answer; Complete for an
    id with no operation is ignored."""
    async with websockets.connect(live.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        for message in ({"type": "ping"}, {"type": "pong"}, INIT, {"id": "9", "type": "complete"}, {"type": "ping"}):
            await socket.send(json.dumps(message))
        answers = [json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] for _ in range(3)]
    assert answers == ["pong", "connection_ack", "pong"]


async def test_silent_sockets_are_closed_after_the_init_timeout(write_url: str) -> None:
    async with server(write_url, WS_INIT_TIMEOUT_S="0.3") as impatient:
        assert await _closed_with(impatient.ws) == 4408


async def test_invalid_subscriptions_get_an_error_not_a_stream(live: ServerProcess) -> None:
    async with websockets.connect(live.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        await socket.recv()
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { caseProgress { nope } }"}})
        )
        message = json.loads(await socket.recv())
    assert message["type"] == "error"
    assert message["id"] == "1"
    assert any("nope" in error["message"] or "receiptNo" in error["message"] for error in message["payload"])


async def test_nul_characters_in_a_subscription_are_refused(live: ServerProcess) -> None:
    async with websockets.connect(live.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        await socket.recv()
        payload = {"query": PROGRESS, "variables": {"receiptNo": "x\x00y"}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = json.loads(await socket.recv())
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


FEED = """
subscription($types: [EventType!], $after: Int) {
  events(filter: {types: $types}, after: $after) { sequence type case { receiptNo } }
}
"""


async def test_the_feed_can_be_narrowed_to_event_types(live: ServerProcess, remote: Desk) -> None:
    now = int(await remote.officers.fetchval("SELECT max(seq) FROM event"))
    signatures = await Watcher.open(live.ws, FEED, types=["STEP_SIGNED"], after=now)
    everything = await Watcher.open(live.ws, FEED, after=now)
    case = (await remote.register())["case"]
    step = case["steps"][0]
    await remote.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})

    first_of_all = (await everything.next())["events"]
    first_signature = (await signatures.next())["events"]
    await asyncio.gather(signatures.close(), everything.close())
    assert (first_of_all["type"], first_of_all["case"]["receiptNo"]) == ("CASE_REGISTERED", case["receiptNo"])
    assert (first_signature["type"], first_signature["case"]["receiptNo"]) == ("STEP_SIGNED", case["receiptNo"])


async def test_a_far_catch_up_is_paced_by_the_reader_not_cut_off(write_url: str, officers: Officers) -> None:
    """Resuming from the start sends more than the send buffer holds; the catch-up waits for room instead of
    overflowing it (tests/subscriptions/test_delivery_schedules.py cuts off readers that fall behind live)."""
    async with (
        server(write_url, WS_SEND_BUFFER="2") as tight,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{tight.port}") as client,
    ):
        desk = Desk(client, officers)
        case = await desk.walk_to((await desk.register())["case"], 3)
        history = [event["sequence"] for event in await desk.events_of(case["receiptNo"])]
        watcher = await Watcher.open(tight.ws, PROGRESS, receiptNo=case["receiptNo"], after=0)
        delivered = [(await watcher.next())["caseProgress"]["sequence"] for _ in history]
        await watcher.close()
    assert len(history) > 2
    assert delivered == history


async def test_each_push_names_the_cases_previous_event(live: ServerProcess, remote: Desk) -> None:
    case = (await remote.register())["case"]
    registered = (await remote.events_of(case["receiptNo"]))[-1]["sequence"]
    watcher = await Watcher.open(
        live.ws, PROGRESS.replace("sequence type", "sequence previousCaseSequence type"), receiptNo=case["receiptNo"]
    )
    step = case["steps"][0]
    await remote.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})
    event = (await watcher.next())["caseProgress"]
    await watcher.close()
    assert event["previousCaseSequence"] == registered


async def test_connections_per_address_are_capped(write_url: str) -> None:
    async with server(write_url, WS_MAX_CONNECTIONS_PER_CLIENT="2") as capped:
        first = await websockets.connect(capped.ws, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        second = await websockets.connect(capped.ws, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(capped.ws, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        assert refused.value.response.status_code == 429
        await first.close()
        await second.close()
