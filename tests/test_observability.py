"""Operations: liveness and readiness, Prometheus metrics, request ids, JSON logs, graceful shutdown."""

import asyncio
import json
import logging
import re
import signal
import time

import httpx
import pytest
import websockets
from prometheus_client import REGISTRY
from sqlalchemy.engine import make_url

from openproc.app import create_app
from openproc.loop_lag import LoopLagSampler
from openproc.observability import configure_logging
from openproc.settings import Settings
from telemetry import OPERATION_NAMES, request_id
from tests.schema.mutations.workflow import Desk
from tests.subscriptions.servers import server


async def test_ready_when_database_and_bus_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "bus": "ok", "log": "ok", "ledger": "ok", "replicas": "ok"}


async def test_not_ready_without_a_database(database_url: str) -> None:
    missing = make_url(database_url).set(database="openproc_missing_db").render_as_string(hide_password=False)
    app = create_app(missing, Settings(db_pool_size=2))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as broken,
    ):
        response = await broken.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


async def test_metrics_count_operations_and_events(desk: Desk) -> None:
    await desk.client.post("/graphql", json={"query": "query TaskList { taskTypes { code } }"})
    await desk.register()

    text = (await desk.client.get("/metrics")).text

    assert 'openproc_graphql_operation_seconds_count{operation="TaskList",outcome="ok",type="query"}' in text
    assert 'operation="Register",outcome="ok",type="mutation"' in text
    published = next(line for line in text.splitlines() if line.startswith("openproc_events_published_total "))
    assert float(published.split()[1]) >= 1
    assert "홍길동" not in text, "no applicant data in metrics"


async def test_client_chosen_operation_names_cannot_grow_the_metrics(desk: Desk) -> None:
    for index in range(OPERATION_NAMES + 50):
        await desk.client.post("/graphql", json={"query": f"query Spam{index} {{ __typename }}"})
    await desk.client.post("/graphql", json={"query": "query TaskList { taskTypes { code } }"})

    text = (await desk.client.get("/metrics")).text

    named = set(re.findall(r'openproc_graphql_operation_seconds_count\{operation="([^"]*)"', text))
    assert len(named) <= OPERATION_NAMES + 2, "at most the bounded names, anonymous and other"
    assert "other" in named
    assert f"Spam{OPERATION_NAMES + 49}" not in named
    assert "TaskList" in named, "a name seen before the bound was reached keeps its label"


@pytest.mark.parametrize(
    ("allowed", "client", "status"),
    [
        (Settings().metrics_allowed_networks, "127.0.0.1", 200),
        (Settings().metrics_allowed_networks, "10.20.0.7", 200),
        (Settings().metrics_allowed_networks, "203.0.113.9", 403),
        ("198.51.100.0/24", "127.0.0.1", 403),
        ("*", "203.0.113.9", 200),
    ],
)
async def test_metrics_are_served_to_the_allowed_networks_only(
    database_url: str, allowed: str, client: str, status: int
) -> None:
    app = create_app(database_url, Settings(db_pool_size=1, metrics_allowed_networks=allowed))
    transport = httpx.ASGITransport(app=app, client=(client, 40_000))
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        answer = await http.get("/metrics")
    assert answer.status_code == status
    if status == 403:
        assert answer.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "openproc_" not in answer.text
    else:
        assert "openproc_events_published_total" in answer.text


def test_a_malformed_metrics_network_fails_at_startup() -> None:
    with pytest.raises(ValueError, match=re.escape("10.0.0.300/8")):
        Settings(metrics_allowed_networks="127.0.0.1,10.0.0.300/8")


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"x-request-id": "audit-42"})
    made = await client.get("/healthz")
    assert given.headers["x-request-id"] == "audit-42"
    assert len(made.headers["x-request-id"]) == 32


def test_logs_are_json_lines_with_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("info", json_format=True)
        token = request_id.set("req-7")
        logging.getLogger("openproc.test").info("signed step %s", 3)
        request_id.reset(token)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "signed step 3"
    assert line["request_id"] == "req-7"
    assert line["levelname"] == "INFO"


async def test_a_stopping_server_tells_watchers_to_reconnect(write_url: str) -> None:
    async with server(write_url) as running:
        async with websockets.connect(running.ws, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init"}))
            await socket.recv()
            running.process.send_signal(signal.SIGTERM)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
        # uvicorn re-raises the signal once it has shut down cleanly, so the exit status names SIGTERM.
        assert await asyncio.to_thread(running.process.wait, 15) in (0, -signal.SIGTERM)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1012, "service restart: reconnect (to another replica)"


def _loop_lag(bucket: str) -> float:
    name = "openproc_event_loop_lag_seconds"
    return REGISTRY.get_sample_value(f"{name}_bucket", {"le": bucket}) or 0.0


async def test_a_held_event_loop_shows_in_the_lag_histogram() -> None:
    sampler = LoopLagSampler(interval_s=0.005)
    await sampler.start()
    try:
        async with asyncio.timeout(5):
            await sampler.sampled.wait()
        over = _loop_lag("+Inf") - _loop_lag("0.1")
        sampler.sampled.clear()
        # What a request must never do, done here on purpose: hold the loop.
        time.sleep(0.3)  # noqa: ASYNC251
        async with asyncio.timeout(5):
            await sampler.sampled.wait()
    finally:
        await sampler.stop()
    assert sampler.last_s >= 0.25
    assert _loop_lag("+Inf") - _loop_lag("0.1") >= over + 1, "the histogram counts it above 100 ms"
