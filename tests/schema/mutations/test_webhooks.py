"""Webhooks against a real local receiver: signed, filtered, in order, retried after failures, no personal data."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from resolvers.webhooks import signature
from tests.schema.mutations.workflow import APPLICANT, ERROR, SIGN, START, Desk, db_id
from tests.subscriptions.servers import free_port

REGISTER_WEBHOOK = f"""
mutation($input: RegisterWebhookInput!) {{
  registerWebhook(input: $input) {{ __typename ... on RegisteredWebhook {{ id url secret deliveredThrough }} {ERROR} }}
}}
"""


@dataclass
class Receiver:
    """An organisation's endpoint: refuses the first `failures` deliveries, then records what it accepts."""

    failures: int = 0
    accepted: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    refused: int = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {key.decode(): value.decode() for key, value in scope["headers"]}
        status = 200
        if self.refused < self.failures:
            self.refused += 1
            status = 500
        else:
            self.accepted.append((headers, body))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[str]:
    port = free_port()
    running = uvicorn.Server(uvicorn.Config(receiver, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(running.serve())
    for _ in range(500):  # uvicorn offers no event for "listening"; poll its flag, bounded
        if running.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/hooks/open"
    finally:
        running.should_exit = True
        await task


async def _administrator(desk: Desk) -> int:
    return int(await desk.officers.fetchval("SELECT id FROM officer WHERE role = 'administrator' LIMIT 1"))


async def _until(receiver: Receiver, count: int) -> None:
    for _ in range(300):
        if len(receiver.accepted) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(receiver.accepted)} deliveries, expected {count}")


async def _signatures_of_one_case(desk: Desk) -> tuple[str, list[int]]:
    case = (await desk.register())["case"]
    first, second = case["steps"][0], case["steps"][1]
    await desk.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
    await desk.ok(START, db_id(second["officer"]["id"]), input={"stepId": second["id"]})
    await desk.ok(SIGN, db_id(second["officer"]["id"]), input={"stepId": second["id"]})
    events = await desk.events_of(case["receiptNo"])
    return case["receiptNo"], [event["sequence"] for event in events if event["type"] == "STEP_SIGNED"]


async def test_signed_filtered_deliveries_in_order(desk: Desk) -> None:
    receiver = Receiver()
    async with receiving(receiver) as url:
        hook = await desk.ok(REGISTER_WEBHOOK, await _administrator(desk), input={"url": url, "types": ["STEP_SIGNED"]})
        receipt_no, signed = await _signatures_of_one_case(desk)
        await _until(receiver, 2)

    ours = [(headers, body) for headers, body in receiver.accepted if receipt_no.encode() in body]
    assert [int(headers["x-open-sequence"]) for headers, _ in ours] == signed
    for headers, body in ours:
        expected = signature(hook["secret"], headers["x-open-timestamp"], body)
        assert headers["x-open-signature"] == f"v1={expected}"
        assert json.loads(body)["type"] == "step_signed"
        assert APPLICANT["name"].encode() not in body
        assert APPLICANT["email"].encode() not in body
    leaf = await desk.client.get("/ledger/leaves", params={"start": signed[0] - 1, "end": signed[0]})
    assert base64.b64decode(leaf.json()["leaves"][0]["leaf_input"]) == ours[0][1], "the body is the ledger leaf"


async def test_failed_deliveries_are_retried_without_loss_or_duplicate(desk: Desk) -> None:
    receiver = Receiver(failures=2)
    async with receiving(receiver) as url:
        await desk.ok(REGISTER_WEBHOOK, await _administrator(desk), input={"url": url, "types": ["STEP_SIGNED"]})
        receipt_no, signed = await _signatures_of_one_case(desk)
        await _until(receiver, 2)

    assert receiver.refused == 2
    assert [
        int(headers["x-open-sequence"]) for headers, body in receiver.accepted if receipt_no.encode() in body
    ] == signed


async def test_only_administrators_register_https_endpoints(desk: Desk) -> None:
    administrator = await _administrator(desk)
    plain = await desk.refused(REGISTER_WEBHOOK, administrator, input={"url": "http://example.org/hook"})
    assert (plain["code"], plain["field"]) == ("INVALID_VALUE", "url")
    clerk = await desk.clerk()
    assert await desk.error_code(REGISTER_WEBHOOK, clerk, input={"url": "https://example.org/hook"}) == "FORBIDDEN"
