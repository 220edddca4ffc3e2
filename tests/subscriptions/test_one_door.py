"""The WebSocket door against the HTTP door, and the socket's own rules: the same documents get the same answers
and refusals over both, a mutation over the socket commits and wakes watchers as over HTTP, and a subscription to
something that does not exist (or to a future the log has not reached) is refused instead of left silent."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from strawberry.relay import to_base64

from bench.hostile import nested_fragments
from openproc.settings import Settings
from tests.helpers import Officers
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.subscriptions.servers import ServerProcess, Watcher, server

FEED = "subscription($filter: EventFeedFilter, $after: Int) { events(filter: $filter, after: $after) { sequence } }"
PROGRESS = (
    "subscription($receiptNo: String!, $after: Int) { caseProgress(receiptNo: $receiptNo, after: $after) { sequence } }"
)

# Documents every door must answer (or refuse) alike.
CATALOGUE = {
    "the ledger's key": "{ ledger { publicKey } }",
    "41 aliases": "{ " + " ".join(f'a{i}: taskType(code: "BLD-PMT") {{ code }}' for i in range(41)) + " }",
    "too many tokens": "{ " + " ".join("taskTypes { code }" for _ in range(1_300)) + " }",
    "one field eleven times": "{ taskTypes { " + " ".join("code" for _ in range(11)) + " } }",
    "too deep": "{ cases(first: 1) { edges { node { steps { officer { department { parent { parent { parent "
    "{ parent { parent { parent { parent { parent { name } } } } } } } } } } } } } } }",
    "too costly": "{ cases(first: 100) { edges { node { steps { officer { steps(first: 100) { edges { node "
    "{ case { steps { name } } } } } } } } } } }",
    "nested fragments": '{ case(receiptNo: "x") { ...F0 } } ' + nested_fragments(width=16, levels=4),
    "a chain of fragments": "{ ...F0 } "
    + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
    + " fragment F30 on Query { __typename }",
    "the same field 1,090 times": "{ " + "ledger { publicKey } " * 1_090 + "}",
    "unknown field": "{ nothing }",
    "bad syntax": "{ taskTypes { ",
}


@pytest.fixture(scope="module")
async def live(write_url: str) -> AsyncIterator[ServerProcess]:
    async with server(write_url) as running:
        yield running


async def over_the_socket(url: str, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    """A query or mutation over graphql-transport-ws: its result as a `{data, errors}` body."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}}
        await socket.send(json.dumps(init))
        await socket.recv()
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})
        )
        message = json.loads(await asyncio.wait_for(socket.recv(), 30))
    if message["type"] == "error":
        return {"errors": message["payload"]}
    assert message["type"] == "next", message
    return dict(message["payload"])


def shape(body: dict[str, Any]) -> dict[str, Any]:
    """What a client relies on: the data, and each error's message and code."""
    errors = [(error["message"], error.get("extensions", {}).get("code")) for error in body.get("errors", [])]
    return {"data": body.get("data"), "errors": errors}


@pytest.mark.parametrize("name", list(CATALOGUE))
async def test_both_doors_answer_and_refuse_alike(live: ServerProcess, name: str) -> None:
    document = CATALOGUE[name]
    async with httpx.AsyncClient() as client:
        over_http = (await client.post(live.http, json={"query": document})).json()
    over_socket = await over_the_socket(live.ws, document)
    assert shape(over_socket) == shape(over_http)
    if name != "the ledger's key":
        assert over_http["errors"], "each refusal in the catalogue is a refusal"
    else:
        assert over_http["data"]["ledger"]["publicKey"].startswith(f"{Settings().origin}+")


@pytest.mark.parametrize(
    ("document", "item"),
    [
        ("query($list: [ID!]!) { nodes(ids: $list) { id } }", "Q2FzZTox"),
        ("subscription($list: [EventType!]) { events(filter: {types: $list}) { sequence } }", "STEP_SIGNED"),
    ],
)
async def test_both_doors_refuse_a_long_list_before_coercing_it(live: ServerProcess, document: str, item: str) -> None:
    long = [item] * 2_000  # within the socket's 64 KiB message limit
    over_socket = await over_the_socket(live.ws, document, list=long)
    assert shape(over_socket)["errors"] == [
        ("variable $list: lists hold at most 100 items, got 2000", "BAD_USER_INPUT")
    ]
    if document.startswith("query"):
        async with httpx.AsyncClient() as client:
            over_http = (await client.post(live.http, json={"query": document, "variables": {"list": long}})).json()
        assert shape(over_http) == shape(over_socket)


@pytest.mark.parametrize(
    "messages",
    [
        [{"type": "connection_init", "payload": ["not", "an", "object"]}],
        [{"type": "connection_init"}, {"type": "complete", "id": {"an": "object"}}],
        [{"type": "connection_init"}, ["not", "a", "message"]],
        # Nested deeper than JSON parsers recurse, within the 64 KiB message limit.
        [{"type": "connection_init"}, "[" * 30_000 + "]" * 30_000],
    ],
)
async def test_malformed_messages_close_the_socket_with_4400(live: ServerProcess, messages: list[Any]) -> None:
    async with websockets.connect(live.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        for message in messages:
            await socket.send(message if isinstance(message, str) else json.dumps(message))
        # Read (connection_ack at most) until the server closes: with an error code, iteration raises.
        with contextlib.suppress(websockets.ConnectionClosedError):
            async with asyncio.timeout(30):
                async for _ in socket:
                    pass
    assert socket.close_code == 4400


async def test_a_mutation_over_the_socket_commits_and_wakes_watchers(live: ServerProcess, officers: Officers) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{live.port}") as client:
        desk = Desk(client, officers)
        case = (await desk.register())["case"]
        registered = (await desk.events_of(case["receiptNo"]))[-1]["sequence"]
        step = case["steps"][0]
        watcher = await Watcher.open(live.ws, PROGRESS, receiptNo=case["receiptNo"], after=registered)
        token = await desk.token(db_id(step["officer"]["id"]))

        signed = await over_the_socket(live.ws, SIGN, token, input={"stepId": step["id"]})

        pushed = (await watcher.next(within=10))["caseProgress"]
        await watcher.close()
    assert signed["data"]["signStep"]["__typename"] == "StepPayload", signed
    assert pushed["sequence"] > registered


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        (PROGRESS, {"receiptNo": "2026-NOPE-NOPE-00001"}, "receiptNo"),
        (FEED, {"filter": {"taskTypeCode": "NOPE-NOPE"}}, "taskTypeCode"),
        (FEED, {"filter": {"departmentId": to_base64("Department", 999_999)}}, "departmentId"),
        (FEED, {"after": 2_000_000_000}, "after"),
    ],
)
async def test_a_subscription_that_would_wait_forever_is_refused(
    live: ServerProcess, query: str, variables: dict[str, Any], argument: str
) -> None:
    refused = await over_the_socket(live.ws, query, **variables)
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument


async def test_one_anonymous_budget_covers_both_doors(write_url: str, officers: Officers) -> None:
    async with server(write_url, RATE_ANONYMOUS_PER_MINUTE="3") as tight, httpx.AsyncClient() as client:
        token = await officers.token(int(await officers.fetchval("SELECT max(id) FROM officer")))
        over_socket = [await over_the_socket(tight.ws, "{ __typename }") for _ in range(3)]
        over_http = await client.post(tight.http, json={"query": "{ __typename }"})
        refused = await over_the_socket(tight.ws, "{ __typename }")
        officer = [await over_the_socket(tight.ws, "{ __typename }", token) for _ in range(3)]
    assert [body.get("errors") is None for body in over_socket] == [True, True, True]
    assert over_http.status_code == 429, "the socket spent the address's budget"
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert refused["errors"][0]["extensions"]["retryAfter"] > 0
    assert all(body == {"data": {"__typename": "Query"}} for body in officer), "a live token is not charged"


async def test_an_answer_larger_than_a_socket_may_hold_is_refused_and_the_socket_stays(write_url: str) -> None:
    query = "{ cases(first: 100) { edges { node { receiptNo title location } } } }"
    async with server(write_url, WS_SEND_BUFFER_BYTES="8000") as small, httpx.AsyncClient() as client:
        over_http = (await client.post(small.http, json={"query": query})).json()
        async with websockets.connect(small.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            await socket.recv()
            await socket.send(json.dumps({"id": "big", "type": "subscribe", "payload": {"query": query}}))
            refused = json.loads(await asyncio.wait_for(socket.recv(), 30))
            await socket.send(json.dumps({"id": "small", "type": "subscribe", "payload": {"query": "{ __typename }"}}))
            answered = json.loads(await asyncio.wait_for(socket.recv(), 30))
    assert len(over_http["data"]["cases"]["edges"]) == 100, "HTTP answers it"
    assert (refused["id"], refused["type"]) == ("big", "error")
    assert refused["payload"][0]["extensions"] == {"code": "ANSWER_TOO_LARGE", "limitBytes": 8000}
    assert answered == {"id": "small", "type": "next", "payload": {"data": {"__typename": "Query"}}}
