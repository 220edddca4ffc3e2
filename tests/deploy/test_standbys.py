"""Read replicas: a real hot standby, made here with pg_basebackup, streaming from a primary made here too, behind
a real `openproc serve`. Pausing the standby's replay (`pg_wal_replay_pause()`) holds it behind on purpose, so what
each door answered from can be seen in the data itself: the standby's stale value or the primary's new one."""

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families

from openproc.migrate import upgrade
from readpath.endpoint import Plans
from schema import schema
from tests.conftest import load_demo
from tests.deploy.test_workers import until
from tests.helpers import Officers, bearer
from tests.schema.mutations.workflow import SIGN, Desk, db_id
from tests.standby import Cluster, primary, standby_of
from tests.subscriptions.servers import ServerProcess, server

VIEWS = "query($r: String!) { case(receiptNo: $r) { pageViews } }"
# The same field in a document the compiled path leaves to Strawberry (a directive): the other HTTP door.
VIEWS_BY_STRAWBERRY = "query($r: String!) { case(receiptNo: $r) { pageViews @include(if: true) } }"
VIEW = "mutation($r: String!) { recordCaseView(receiptNo: $r) { ... on ViewCount { views } } }"
PROGRESS = "subscription($r: String!) { caseProgress(receiptNo: $r, after: 0) { sequence } }"
LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
# The lag tests wait for the standby to be found behind; the others must not find it so while they pause it.
SHORT, LONG = "1", "3600"


@pytest.fixture(scope="module")
async def databases(as_of: datetime) -> AsyncIterator[tuple[Cluster, Cluster]]:
    async with primary() as first:
        await first.execute("CREATE DATABASE openproc")
        await asyncio.to_thread(upgrade, first.url("openproc"))
        await load_demo(first.url("openproc"), as_of)
        async with standby_of(first) as second:
            yield first, second


def serving(databases: tuple[Cluster, Cluster], max_lag_s: str) -> AbstractAsyncContextManager[ServerProcess]:
    first, second = databases
    return server(
        first.url("openproc"),
        DATABASE_READ_URLS=second.url("openproc"),
        REPLICA_MAX_LAG_S=max_lag_s,
        REPLICA_WAIT_S="0.3",
        POLL_INTERVAL_S="3600",
    )


async def over_http(
    openproc: ServerProcess, query: str, receipt_no: str, token: str | None = None, **extensions: Any
) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        request = {"query": query, "variables": {"r": receipt_no}, "extensions": extensions}
        response = await client.post(openproc.http, json=request, headers=bearer(token) if token else {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def over_socket(openproc: ServerProcess, query: str, receipt_no: str, **extensions: Any) -> dict[str, Any]:
    """The one `next` payload of a query, which `complete` follows."""
    async with websockets.connect(openproc.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "connection_ack"}
        payload = {"query": query, "variables": {"r": receipt_no}, "extensions": extensions}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert answer["type"] == "next", answer
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"id": "1", "type": "complete"}
    body: dict[str, Any] = answer["payload"]
    return body


async def stream(openproc: ServerProcess, receipt_no: str, count: int) -> list[int]:
    """The sequence numbers of the first `count` events a new watcher of the case is sent (catch-up, then live)."""
    async with websockets.connect(openproc.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "connection_ack"}
        payload = {"query": PROGRESS, "variables": {"r": receipt_no}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return [
            json.loads(await asyncio.wait_for(socket.recv(), 10))["payload"]["data"]["caseProgress"]["sequence"]
            for _ in range(count)
        ]


async def metrics(openproc: ServerProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"http://127.0.0.1:{openproc.port}/metrics")).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def reads(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], database: str, reason: str) -> float:
    return found.get(("openproc_reads_total", (("database", database), ("reason", reason))), 0.0)


async def ready(openproc: ServerProcess) -> tuple[int, dict[str, str]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{openproc.port}/readyz")
    return response.status_code, response.json()


async def caught_up(openproc: ServerProcess) -> None:
    """Until the server has polled the standby where the primary was at its last poll (lag 0 bytes and seconds)."""

    async def lags() -> list[float]:
        return [value for (name, _), value in (await metrics(openproc)).items() if name.startswith("openproc_replica_")]

    await until(lags, lambda found: bool(found) and not any(found))


def standby_name(second: Cluster) -> str:
    return second.url("openproc").split("@")[1]


async def test_each_door_reads_the_standby_and_a_commit_position_reads_the_write(
    databases: tuple[Cluster, Cluster],
) -> None:
    first, second = databases
    assert Plans(schema.graphql_schema).get(VIEWS, None) is not None
    assert Plans(schema.graphql_schema).get(VIEWS_BY_STRAWBERRY, None) is None
    receipt_no = str(await first.execute('SELECT receipt_no FROM "case" ORDER BY id LIMIT 1', "openproc"))
    officer = int(str(await first.execute("SELECT id FROM officer ORDER BY id LIMIT 1", "openproc")))
    token = await Officers(first.url("openproc")).token(officer)

    async def views(**extensions: Any) -> list[int]:
        """pageViews as the compiled path, Strawberry over HTTP and the socket answer."""
        bodies = await asyncio.gather(
            over_http(openproc, VIEWS, receipt_no, **extensions),
            over_http(openproc, VIEWS_BY_STRAWBERRY, receipt_no, **extensions),
            over_socket(openproc, VIEWS, receipt_no, **extensions),
        )
        return [body["data"]["case"]["pageViews"] for body in bodies]

    async with serving(databases, LONG) as openproc:
        await caught_up(openproc)  # the token above included
        await second.execute("SELECT pg_wal_replay_pause()")
        try:
            before = (await over_http(openproc, VIEWS, receipt_no))["data"]["case"]["pageViews"]
            written = await over_http(openproc, VIEW, receipt_no)
            assert written["data"]["recordCaseView"]["views"] == before + 1
            position = written["extensions"]["commitPosition"]
            assert LSN.fullmatch(position), position

            # Without a position every door reads the paused standby: the view is not there yet.
            assert await views() == [before] * 3
            counted = await metrics(openproc)
            # With it, none can: the primary answers once the standby has not caught up within REPLICA_WAIT_S.
            assert await views(readAfter=position) == [before + 1] * 3
            assert reads(await metrics(openproc), "primary", "behind") == reads(counted, "primary", "behind") + 3
            # An officer reads the primary, position or not.
            officer_reads = [over_http(openproc, query, receipt_no, token) for query in (VIEWS, VIEWS_BY_STRAWBERRY)]
            answers = await asyncio.gather(*officer_reads)
            assert [body["data"]["case"]["pageViews"] for body in answers] == [before + 1] * 2
        finally:
            await second.execute("SELECT pg_wal_replay_resume()")
        await caught_up(openproc)
        counted = await metrics(openproc)
        assert await views(readAfter=position) == [before + 1] * 3
        standby = standby_name(second)
        assert reads(await metrics(openproc), standby, "covered") == reads(counted, standby, "covered") + 3

        # The open-data export, the heaviest public read, is built from the standby too.
        counted = await metrics(openproc)
        async with httpx.AsyncClient() as client:
            export = await client.get(f"http://127.0.0.1:{openproc.port}/exports/blds/permits.csv")
        assert export.status_code == 200
        assert export.text.count("\n") > 1
        assert reads(await metrics(openproc), standby, "covered") == reads(counted, standby, "covered") + 1

        # A malformed position is the client's error on every door and for anyone, and nothing runs.
        refusals = await asyncio.gather(
            over_http(openproc, VIEWS, receipt_no, readAfter="yesterday"),
            over_http(openproc, VIEWS_BY_STRAWBERRY, receipt_no, readAfter=7),
            over_socket(openproc, VIEWS, receipt_no, readAfter="0/zz"),
            over_http(openproc, VIEWS, receipt_no, token, readAfter="0/"),
            over_http(openproc, VIEW, receipt_no, readAfter="1/2/3"),
        )
        for body in refusals:
            assert body["data"] is None
            (error,) = body["errors"]
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "extensions.readAfter"}
        assert (await over_http(openproc, VIEWS, receipt_no, token))["data"]["case"]["pageViews"] == before + 1


async def test_a_catch_up_is_read_from_the_standby_only_once_it_holds_the_announced_events(
    databases: tuple[Cluster, Cluster],
) -> None:
    first, second = databases
    standby = standby_name(second)
    async with (
        serving(databases, LONG) as openproc,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{openproc.port}") as client,
    ):
        await until(lambda: ready(openproc), lambda found: found[0] == 200)
        desk = Desk(client, Officers(first.url("openproc")))
        await second.execute("SELECT pg_wal_replay_pause()")
        try:
            case = (await desk.register())["case"]
            step = case["steps"][0]
            hub_read = (await metrics(openproc)).get(("openproc_events_read_total", ()), 0.0)
            await desk.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})
            # Once the hub has read the signature (from the primary), a catch-up must include it.
            await until(lambda: metrics(openproc), lambda found: found[("openproc_events_read_total", ())] > hub_read)
            logged = await Officers(first.url("openproc")).fetch(
                'SELECT seq FROM event WHERE case_id = (SELECT id FROM "case" WHERE receipt_no = $1) ORDER BY seq',
                case["receiptNo"],
            )
            sequences = [row["seq"] for row in logged]
            counted = await metrics(openproc)
            assert await stream(openproc, case["receiptNo"], len(sequences)) == sequences
            assert reads(await metrics(openproc), "primary", "behind") == reads(counted, "primary", "behind") + 1
        finally:
            await second.execute("SELECT pg_wal_replay_resume()")
        await caught_up(openproc)
        counted = await metrics(openproc)
        assert await stream(openproc, case["receiptNo"], len(sequences)) == sequences
        assert reads(await metrics(openproc), standby, "covered") == reads(counted, standby, "covered") + 1


async def test_a_standby_behind_or_stopped_is_reported_and_the_primary_answers(
    databases: tuple[Cluster, Cluster],
) -> None:
    first, second = databases
    standby = standby_name(second)
    receipt_no = str(await first.execute('SELECT receipt_no FROM "case" ORDER BY id LIMIT 1', "openproc"))
    lag_seconds, lag_bytes = (
        ("openproc_replica_lag_seconds", (("replica", standby),)),
        ("openproc_replica_lag_bytes", (("replica", standby),)),
    )
    async with serving(databases, SHORT) as openproc:
        await until(lambda: ready(openproc), lambda found: found[0] == 200)
        await second.execute("SELECT pg_wal_replay_pause()")
        try:
            views = (await over_http(openproc, VIEW, receipt_no))["data"]["recordCaseView"]["views"]
            _, checks = await until(lambda: ready(openproc), lambda found: found[0] == 503)
            assert checks["replicas"].startswith(f"{standby}: behind by "), checks
            lag = await metrics(openproc)
            assert lag[lag_bytes] > 0
            assert lag[lag_seconds] > 1
            # Too far behind to serve: the primary answers at once, with the view.
            assert (await over_http(openproc, VIEWS, receipt_no))["data"]["case"]["pageViews"] == views
            assert reads(await metrics(openproc), "primary", "unavailable") == reads(lag, "primary", "unavailable") + 1
        finally:
            await second.execute("SELECT pg_wal_replay_resume()")
        await until(lambda: ready(openproc), lambda found: found[0] == 200)

        await second.stop()
        try:
            _, checks = await until(lambda: ready(openproc), lambda found: found[0] == 503)
            assert checks["replicas"].startswith(f"{standby}: unreachable"), checks
            assert (await metrics(openproc))[lag_seconds] == float("inf")
            assert (await over_http(openproc, VIEWS, receipt_no))["data"]["case"]["pageViews"] == views
        finally:
            await second.start()
        _, checks = await until(lambda: ready(openproc), lambda found: found[0] == 200)
        assert checks["replicas"] == "ok"
