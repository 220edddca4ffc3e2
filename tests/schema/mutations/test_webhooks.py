"""Webhooks against a real local receiver: signed, filtered, in order, retried after failures, no personal data;
listed, paused, resumed, deleted and given a new secret by administrators only, over GraphQL and the CLI."""

import asyncio
import base64
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner
from typer.testing import Result as CliResult

from openproc.cli import app as cli
from resolvers.webhooks import signature
from tests.helpers import global_id
from tests.schema.mutations.workflow import APPLICANT, ERROR, SIGN, START, Desk, db_id
from tests.subscriptions.servers import free_port

REGISTER_WEBHOOK = f"""
mutation($input: RegisterWebhookInput!) {{
  registerWebhook(input: $input) {{ __typename ... on RegisteredWebhook {{ id url secret deliveredThrough }} {ERROR} }}
}}
"""
WEBHOOK = (
    "id url taskTypeCode department { id } types status deliveredThrough failures nextAttemptAt createdAt "
    "createdBy { id }"
)
WEBHOOKS = f"query {{ webhooks {{ {WEBHOOK} }} }}"
CHANGED = f"__typename ... on Webhook {{ {WEBHOOK} }} {ERROR}"
PAUSE_WEBHOOK = f"mutation($input: PauseWebhookInput!) {{ pauseWebhook(input: $input) {{ {CHANGED} }} }}"
RESUME_WEBHOOK = f"mutation($input: ResumeWebhookInput!) {{ resumeWebhook(input: $input) {{ {CHANGED} }} }}"
DELETE_WEBHOOK = f"mutation($input: DeleteWebhookInput!) {{ deleteWebhook(input: $input) {{ {CHANGED} }} }}"
ROTATE_WEBHOOK_SECRET = f"""
mutation($input: RotateWebhookSecretInput!) {{
  rotateWebhookSecret(input: $input) {{
    __typename ... on RegisteredWebhook {{ id url secret deliveredThrough }} {ERROR}
  }}
}}
"""
# Administrators only, so not in tests/schema/mutations/test_permissions.py, whose matrix expects administrators
# to be refused: refused here to everyone else. tests/test_hardening.py checks every mutation is in a denial test.
MANAGEMENT = {
    "pauseWebhook": PAUSE_WEBHOOK,
    "resumeWebhook": RESUME_WEBHOOK,
    "deleteWebhook": DELETE_WEBHOOK,
    "rotateWebhookSecret": ROTATE_WEBHOOK_SECRET,
}
# Loopback, nothing listening: a webhook that must never be reached fails at once instead of waiting on a network.
NOWHERE = "http://127.0.0.1:9/hooks/open"


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


async def _listed(desk: Desk, administrator: int) -> dict[int, dict[str, Any]]:
    body = await desk.call(WEBHOOKS, administrator)
    assert "errors" not in body, body["errors"]
    return {hook["id"]: hook for hook in body["data"]["webhooks"]}


def _sequences(receiver: Receiver) -> list[int]:
    return [int(headers["x-open-sequence"]) for headers, _ in receiver.accepted]


async def test_administrators_list_webhooks_with_their_state_but_never_their_secret(desk: Desk) -> None:
    administrator = await _administrator(desk)
    department = int(await desk.officers.fetchval("SELECT id FROM department ORDER BY id LIMIT 1"))
    registered = await desk.ok(
        REGISTER_WEBHOOK,
        administrator,
        input={
            "url": NOWHERE,
            "taskTypeCode": "BLD-RPT",
            "departmentId": global_id("Department", department),
            "types": ["CASE_CLOSED", "STEP_SIGNED"],
        },
    )

    body = await desk.call(WEBHOOKS, administrator)
    fields = await desk.call('{ __type(name: "Webhook") { fields { name } } }', None)

    hook = next(hook for hook in body["data"]["webhooks"] if hook["id"] == registered["id"])
    assert {key: hook[key] for key in ("url", "taskTypeCode", "department", "types", "status", "failures")} == {
        "url": NOWHERE,
        "taskTypeCode": "BLD-RPT",
        "department": {"id": global_id("Department", department)},
        "types": ["STEP_SIGNED", "CASE_CLOSED"],
        "status": "ACTIVE",
        "failures": 0,
    }
    assert hook["deliveredThrough"] == registered["deliveredThrough"]
    assert hook["createdBy"] == {"id": global_id("Officer", administrator)}
    assert registered["secret"] not in json.dumps(body)
    assert "secret" not in {field["name"] for field in fields["data"]["__type"]["fields"]}
    await desk.ok(DELETE_WEBHOOK, administrator, input={"webhookId": registered["id"]})


@pytest.mark.parametrize("operation", ["webhooks", "registerWebhook", *MANAGEMENT])
async def test_only_administrators_see_and_manage_webhooks(desk: Desk, operation: str) -> None:
    administrator = await _administrator(desk)
    hook = await desk.ok(REGISTER_WEBHOOK, administrator, input={"url": NOWHERE, "types": ["CASE_CLOSED"]})
    operations: dict[str, tuple[str, dict[str, Any]]] = {
        "webhooks": (WEBHOOKS, {}),
        "registerWebhook": (REGISTER_WEBHOOK, {"input": {"url": NOWHERE}}),
        **{name: (mutation, {"input": {"webhookId": hook["id"]}}) for name, mutation in MANAGEMENT.items()},
    }
    query, variables = operations[operation]
    callers = {
        role: int(await desk.officers.fetchval("SELECT id FROM officer WHERE role = $1 ORDER BY id LIMIT 1", role))
        for role in ("officer", "supervisor", "auditor")
    }
    state = "SELECT string_agg(concat_ws(':', id, active, secret, deleted_at), ',' ORDER BY id) FROM webhook"
    before = await desk.officers.fetchval(state)

    refusals = {
        "anonymous": await desk.error_code(query, None, **variables),
        "unknown token": await desk.error_code(query, None, token="opn_not-a-token", **variables),
        **{role: await desk.error_code(query, officer, **variables) for role, officer in callers.items()},
    }

    assert refusals == {
        "anonymous": "UNAUTHENTICATED",
        "unknown token": "UNAUTHENTICATED",
        "officer": "FORBIDDEN",
        "supervisor": "FORBIDDEN",
        "auditor": "FORBIDDEN",
    }
    assert await desk.officers.fetchval(state) == before
    await desk.ok(DELETE_WEBHOOK, administrator, input={"webhookId": hook["id"]})


async def test_a_paused_webhook_gets_what_it_missed_in_order_once_resumed(desk: Desk) -> None:
    administrator = await _administrator(desk)
    paused, witness = Receiver(), Receiver()
    async with receiving(paused) as paused_url, receiving(witness) as witness_url:
        hook = await desk.ok(REGISTER_WEBHOOK, administrator, input={"url": paused_url, "types": ["STEP_SIGNED"]})
        held = await desk.ok(PAUSE_WEBHOOK, administrator, input={"webhookId": hook["id"]})
        # Registered later, so every delivery round reaches it after the paused one: once it has the events, the
        # paused webhook would have had them too had it not been skipped.
        other = await desk.ok(REGISTER_WEBHOOK, administrator, input={"url": witness_url, "types": ["STEP_SIGNED"]})
        _, signed = await _signatures_of_one_case(desk)
        await _until(witness, 2)
        while_paused, missed = list(paused.accepted), (await _listed(desk, administrator))[hook["id"]]

        resumed = await desk.ok(RESUME_WEBHOOK, administrator, input={"webhookId": hook["id"]})
        await _until(paused, 2)

    assert (held["status"], held["deliveredThrough"]) == ("PAUSED", hook["deliveredThrough"])
    assert while_paused == []
    assert (missed["status"], missed["deliveredThrough"]) == ("PAUSED", hook["deliveredThrough"])
    assert resumed["status"] == "ACTIVE"
    assert _sequences(witness) == signed
    assert _sequences(paused) == signed, "every missed event, in order, once"
    for headers, body in paused.accepted:
        assert headers["x-open-signature"] == "v1=" + signature(hook["secret"], headers["x-open-timestamp"], body)
    assert (await _listed(desk, administrator))[hook["id"]]["deliveredThrough"] >= signed[-1]
    for finished in (hook, other):
        await desk.ok(DELETE_WEBHOOK, administrator, input={"webhookId": finished["id"]})


async def test_deliveries_after_a_rotation_are_signed_with_the_new_secret_only(desk: Desk) -> None:
    administrator = await _administrator(desk)
    receiver = Receiver()
    async with receiving(receiver) as url:
        hook = await desk.ok(REGISTER_WEBHOOK, administrator, input={"url": url, "types": ["STEP_SIGNED"]})
        _, before = await _signatures_of_one_case(desk)
        await _until(receiver, 2)
        rotated = await desk.ok(ROTATE_WEBHOOK_SECRET, administrator, input={"webhookId": hook["id"]})
        _, after = await _signatures_of_one_case(desk)
        await _until(receiver, 4)

    assert (rotated["id"], rotated["url"]) == (hook["id"], hook["url"])
    assert rotated["secret"] != hook["secret"]
    assert _sequences(receiver) == before + after
    for index, (headers, body) in enumerate(receiver.accepted):
        received = headers["x-open-signature"]
        old, new = (
            f"v1={signature(key, headers['x-open-timestamp'], body)}" for key in (hook["secret"], rotated["secret"])
        )
        assert received == (old if index < 2 else new)
        assert received != (new if index < 2 else old)
    await desk.ok(DELETE_WEBHOOK, administrator, input={"webhookId": hook["id"]})


async def test_a_deleted_webhook_gets_nothing_more_and_is_gone(desk: Desk) -> None:
    administrator = await _administrator(desk)
    doomed, witness = Receiver(), Receiver()
    async with receiving(doomed) as doomed_url, receiving(witness) as witness_url:
        hook = await desk.ok(REGISTER_WEBHOOK, administrator, input={"url": doomed_url, "types": ["STEP_SIGNED"]})
        _, first = await _signatures_of_one_case(desk)
        await _until(doomed, 2)
        deleted = await desk.ok(DELETE_WEBHOOK, administrator, input={"webhookId": hook["id"]})
        # Registered later, so delivery rounds reach it after the deleted one (see the pause test).
        other = await desk.ok(REGISTER_WEBHOOK, administrator, input={"url": witness_url, "types": ["STEP_SIGNED"]})
        _, later = await _signatures_of_one_case(desk)
        await _until(witness, 2)

    assert deleted["status"] == "DELETED"
    assert _sequences(doomed) == first
    assert _sequences(witness) == later
    assert hook["id"] not in await _listed(desk, administrator)
    for name, mutation in MANAGEMENT.items():
        for webhook_id in (hook["id"], 2**31 - 1):
            refusal = await desk.refused(mutation, administrator, input={"webhookId": webhook_id})
            assert (refusal["code"], refusal["field"]) == ("NOT_FOUND", "webhookId"), name
    await desk.ok(DELETE_WEBHOOK, administrator, input={"webhookId": other["id"]})


async def _openproc(desk: Desk, *arguments: str) -> CliResult:
    """`openproc webhook <arguments>` in this process (a fresh interpreter takes seconds to import the app), off
    the event loop since each command runs its own."""
    return await asyncio.to_thread(
        CliRunner().invoke, cli, ["webhook", *arguments], env={"DATABASE_URL": desk.officers.url}
    )


async def test_the_cli_lists_pauses_resumes_rotates_and_deletes_webhooks(desk: Desk) -> None:
    administrator = await _administrator(desk)
    hook = await desk.ok(
        REGISTER_WEBHOOK, administrator, input={"url": NOWHERE, "taskTypeCode": "BLD-RPT", "types": ["CASE_CLOSED"]}
    )
    number = str(hook["id"])
    row = "SELECT active, secret, deleted_at IS NOT NULL FROM webhook WHERE id = $1"

    listed = await _openproc(desk, "list")
    paused = await _openproc(desk, "pause", number)
    after_pause = await desk.officers.fetch(row, hook["id"])
    listed_paused = await _openproc(desk, "list")
    resumed = await _openproc(desk, "resume", number)
    after_resume = await desk.officers.fetch(row, hook["id"])
    rotated = await _openproc(desk, "rotate-secret", number)
    after_rotation = await desk.officers.fetch(row, hook["id"])
    deleted = await _openproc(desk, "delete", number)
    after_deletion = await desk.officers.fetch(row, hook["id"])
    listed_after = await _openproc(desk, "list")

    for done in (listed, paused, listed_paused, resumed, rotated, deleted, listed_after):
        assert done.exit_code == 0, done.output
    ours = [line.split("\t") for line in listed.stdout.splitlines() if line.split("\t")[0] == number]
    assert ours == [
        [number, "active", str(hook["deliveredThrough"]), "0", ours[0][4], NOWHERE, "task=BLD-RPT types=case_closed"]
    ]
    assert hook["secret"] not in listed.output
    assert [line.split("\t")[1] for line in listed_paused.stdout.splitlines() if line.startswith(number + "\t")] == [
        "paused"
    ]
    assert paused.stderr.strip() == f"webhook {number} paused after sequence {hook['deliveredThrough']}"
    assert tuple(after_pause[0]) == (False, hook["secret"], False)
    assert tuple(after_resume[0]) == (True, hook["secret"], False)
    new_secret = rotated.stdout.strip()
    assert new_secret != hook["secret"]
    assert tuple(after_rotation[0]) == (True, new_secret, False)
    assert tuple(after_deletion[0]) == (True, new_secret, True)
    assert not any(line.startswith(number + "\t") for line in listed_after.stdout.splitlines())


async def test_the_cli_says_in_one_line_when_there_is_no_such_webhook(desk: Desk) -> None:
    """Through the real entry point, in its own process: exit status 1, one line on stderr, no traceback."""
    missing = str(2**31 - 1)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "openproc.cli", "webhook", "rotate-secret", missing],
        env={**os.environ, "DATABASE_URL": desk.officers.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"no webhook {missing}\n")
