"""The ledger through the API: checkpoints verify, proofs verify, concurrent writers leave no gap, and the
standalone verifier catches tampering done directly in PostgreSQL."""

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.note import Signer, checkpoint_body, verify
from tests.conftest import fresh_database, load_demo
from tests.helpers import Officers, call
from tests.schema.mutations.workflow import SIGN, START, Desk, db_id
from tests.subscriptions.servers import ServerProcess, server
from verifier import openproc_verify as independent

LEDGER = """
query($index: Int!, $size: Int!, $first: Int!) {
  ledger {
    publicKey
    checkpoint { size rootHash note }
    inclusionProof(leafIndex: $index, treeSize: $size) { leafIndex treeSize auditPath }
    consistencyProof(first: $first, second: $size) { first second proof }
    leaves(start: $index, end: $size) { leafIndex leaf }
  }
}
"""


def test_checkpoints_are_signed_notes_both_implementations_verify() -> None:
    signer = Signer("example.org/ledger", Ed25519PrivateKey.generate())
    note = signer.sign(checkpoint_body("example.org/ledger", 5, b"\x01" * 32))

    assert verify(note, signer.verifier_key) == ("example.org/ledger", 5, b"\x01" * 32)
    assert independent.verify_note(note, signer.verifier_key)[1] == 5
    forged = note.replace("\n5\n", "\n6\n")
    with pytest.raises(ValueError, match="signature"):
        verify(forged, signer.verifier_key)
    with pytest.raises(independent.Mismatch, match="signature"):
        independent.verify_note(forged, signer.verifier_key)
    stranger = Signer("example.org/ledger", Ed25519PrivateKey.generate())
    with pytest.raises(independent.Mismatch):
        independent.verify_note(note, stranger.verifier_key)
    # tlog-checkpoint's own rules: the origin is the key's name, the size has no leading zeros.
    elsewhere = Signer("example.org/other", signer.key)
    with pytest.raises(independent.Mismatch, match="origin"):
        independent.verify_note(
            elsewhere.sign(checkpoint_body("example.org/ledger", 5, b"\x01" * 32)), elsewhere.verifier_key
        )
    with pytest.raises(independent.Mismatch, match="plain decimal"):
        independent.verify_note(signer.sign("example.org/ledger\n05\n" + "AQ" * 21 + "AQ==\n"), signer.verifier_key)


async def _checkpoint_covering(desk: Desk, size: int) -> dict[str, object]:
    """The signed checkpoint once it covers `size` leaves (the server signs within a second of growing)."""
    for _ in range(100):
        body = await call(desk.client, "{ ledger { checkpoint { size rootHash note } } }")
        checkpoint = body["data"]["ledger"]["checkpoint"]
        if checkpoint and checkpoint["size"] >= size:
            return dict(checkpoint)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no checkpoint covering {size} leaves within 5 s")


async def test_proofs_from_the_api_verify_independently(desk: Desk) -> None:
    case = (await desk.register())["case"]
    event = (await desk.events_of(case["receiptNo"]))[-1]
    checkpoint = await _checkpoint_covering(desk, event["sequence"])
    key = (await call(desk.client, "{ ledger { publicKey } }"))["data"]["ledger"]["publicKey"]
    _, size, root = independent.verify_note(str(checkpoint["note"]), key)
    index = event["sequence"] - 1

    body = await call(desk.client, LEDGER, index=index, size=size, first=max(1, size // 2))
    assert "errors" not in body, body["errors"]
    ledger = body["data"]["ledger"]
    leaf = base64.b64decode(ledger["leaves"][0]["leaf"])
    path = [base64.b64decode(node) for node in ledger["inclusionProof"]["auditPath"]]
    consistency = [base64.b64decode(node) for node in ledger["consistencyProof"]["proof"]]

    assert independent.verify_inclusion(index, size, leaf, path, root)
    assert b'"seq":' + str(event["sequence"]).encode() in leaf
    first = max(1, size // 2)
    leaves = []
    for start in range(0, first, 1000):
        page = await call(desk.client, LEDGER, index=start, size=min(start + 1000, first), first=1)
        leaves += [base64.b64decode(item["leaf"]) for item in page["data"]["ledger"]["leaves"]]
    # The first half's root, rebuilt from its own leaves.
    stack: list[tuple[int, bytes]] = []
    for item in leaves:
        node = (1, independent.h_leaf(item))
        while stack and stack[-1][0] == node[0]:
            node = (node[0] * 2, independent.h_node(stack.pop()[1], node[1]))
        stack.append(node)
    half_root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        half_root = independent.h_node(left, half_root)
    assert independent.verify_consistency(first, size, half_root, root, consistency)


async def test_concurrent_signings_leave_no_gap_in_the_leaves(desk: Desk, officers: Officers) -> None:
    before = int(await officers.fetchval("SELECT count(*) FROM ledger_leaf"))
    signed = 0

    async def clerk_at_work() -> None:
        nonlocal signed
        while signed < 1000:
            case = (await desk.register("BLD-PMT"))["case"]
            for position, step in enumerate(case["steps"]):
                officer = db_id(step["officer"]["id"])
                if position:
                    await desk.ok(START, officer, input={"stepId": step["id"]})
                await desk.ok(SIGN, officer, input={"stepId": step["id"]})
                signed += 1

    await asyncio.gather(*(clerk_at_work() for _ in range(20)))

    rows = await officers.fetch("SELECT leaf_index, seq FROM ledger_leaf ORDER BY leaf_index")
    assert signed >= 1000
    assert [row["leaf_index"] for row in rows] == list(range(len(rows)))
    assert all(row["seq"] == row["leaf_index"] + 1 for row in rows)
    assert len(rows) > before + 1000


@pytest.fixture(scope="module")
async def audited() -> AsyncIterator[tuple[ServerProcess, Officers, str]]:
    """A server on a database of its own, which these tests tamper with."""
    from datetime import datetime

    from schema.time import SEOUL

    async for url in fresh_database("ledger"):
        await load_demo(url, datetime.now(SEOUL))
        async with server(url) as running, httpx.AsyncClient() as client:
            key = (await client.get(f"http://127.0.0.1:{running.port}/ledger/key")).text.strip()
            for _ in range(100):
                if (await client.get(f"http://127.0.0.1:{running.port}/ledger/checkpoint")).status_code == 200:
                    break
                await asyncio.sleep(0.05)
            yield running, Officers(url), key


def _self_check(database: Officers) -> tuple[int, str, list[str]]:
    """`openproc ledger-check` on the tampered database, the server's own check beside the outside verifier's:
    its exit status, what it printed, and the differences it listed."""
    done = subprocess.run(
        [sys.executable, "-m", "openproc.cli", "ledger-check"],
        env={**os.environ, "DATABASE_URL": database.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout, [line for line in done.stderr.splitlines() if "XDG_RUNTIME_DIR" not in line]


def _verify(running: ServerProcess, key: str, state: Path, command: str = "monitor") -> int:
    return independent.main(
        ["--server", f"http://127.0.0.1:{running.port}", "--key", key, "--state", str(state), command]
    )


async def test_the_verifier_follows_a_growing_tree(
    audited: tuple[ServerProcess, Officers, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running, database, key = audited
    state = tmp_path / "state.json"
    arguments = ["--server", f"http://127.0.0.1:{running.port}", "--key", key, "--state", str(state), "checkpoint"]
    assert await asyncio.to_thread(independent.main, arguments) == 0
    first = json.loads(state.read_text())

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}") as client:
        desk = Desk(client, database)
        await desk.register()
        await _checkpoint_covering(desk, first["size"] + 1)
    assert await asyncio.to_thread(independent.main, arguments) == 0
    grown = json.loads(state.read_text())
    assert grown["size"] > first["size"]

    # A verifier that remembers another history is told the tree does not extend it.
    state.write_text(json.dumps({"size": first["size"], "root": base64.b64encode(b"\x00" * 32).decode()}))
    assert await asyncio.to_thread(independent.main, arguments) == 1
    assert "does not extend" in capsys.readouterr().err


async def test_the_verifier_catches_a_rewritten_event(
    audited: tuple[ServerProcess, Officers, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running, database, key = audited
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json") == 0

    original = await database.fetchval("SELECT payload::text FROM event WHERE seq = 10")
    await database.fetch("UPDATE event SET payload = jsonb_set(payload, '{forged}', 'true') WHERE seq = 10")
    inclusion = ["--server", f"http://127.0.0.1:{running.port}", "--key", key, "--state", str(tmp_path / "i.json")]
    try:
        assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json") == 1
        assert "event 10 as served now differs" in capsys.readouterr().err
        # Proving the event's inclusion proves the event as served, not only the leaf.
        assert await asyncio.to_thread(independent.main, [*inclusion, "inclusion", "--seq", "10"]) == 1
        assert "event 10 as served now differs" in capsys.readouterr().err
        assert await asyncio.to_thread(independent.main, [*inclusion, "inclusion", "--seq", "11"]) == 0
        assert await asyncio.to_thread(_self_check, database) == (1, "", ["event 10 differs from its leaf"])
    finally:
        await database.fetch("UPDATE event SET payload = $1::jsonb WHERE seq = 10", original)
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json") == 0


async def test_the_verifier_catches_a_rewritten_case_page(
    audited: tuple[ServerProcess, Officers, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The step comment a case page shows, altered in the database, is caught against the signed leaves (issue
    17: the ledger's events were intact, so `monitor` alone could not see it)."""
    running, database, key = audited
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages") == 0
    assert re.search(r"^ok: \d+ case pages show what \d+ signed leaves say$", capsys.readouterr().out, re.M)

    (step,) = await database.fetch(
        'SELECT s.id, s.comment, c.receipt_no, s.sequence FROM step s JOIN "case" c ON c.id = s.case_id '
        "WHERE s.status = 'signed' ORDER BY s.id LIMIT 1"
    )
    await database.fetch("UPDATE step SET comment = '적법하게 처리함' WHERE id = $1", step["id"])
    try:
        assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json") == 0, "the events are intact"
        assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages") == 1
        assert f"case {step['receipt_no']}, step {step['sequence']} shows a comment" in capsys.readouterr().err
        altered = f"case {step['receipt_no']}, step {step['sequence']} shows a comment the ledger did not sign"
        assert await asyncio.to_thread(_self_check, database) == (1, "", [altered])
    finally:
        await database.fetch("UPDATE step SET comment = $2 WHERE id = $1", step["id"], step["comment"])

    (closed,) = await database.fetch(
        "SELECT id, result, receipt_no FROM \"case\" WHERE status = 'rejected' ORDER BY id LIMIT 1"
    )
    await database.fetch("UPDATE \"case\" SET result = '허가' WHERE id = $1", closed["id"])
    try:
        assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages") == 1
        assert f"case {closed['receipt_no']} shows a result" in capsys.readouterr().err
        altered = f"case {closed['receipt_no']} shows a result or closing time the ledger did not sign"
        assert await asyncio.to_thread(_self_check, database) == (1, "", [altered])
    finally:
        await database.fetch('UPDATE "case" SET result = $2 WHERE id = $1', closed["id"], closed["result"])
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages") == 0

    (document,) = await database.fetch(
        'SELECT d.id, d.title, c.receipt_no FROM document d JOIN "case" c ON c.id = d.case_id '
        "WHERE d.is_public ORDER BY d.id LIMIT 1"
    )
    (action,) = await database.fetch(
        'SELECT a.id, a.scheduled_for, c.receipt_no FROM scheduled_action a JOIN "case" c ON c.id = a.case_id '
        "WHERE a.status = 'scheduled' ORDER BY a.id LIMIT 1"
    )
    await database.fetch("UPDATE document SET title = '허가 검토 의견 없음' WHERE id = $1", document["id"])
    await database.fetch(
        "UPDATE scheduled_action SET scheduled_for = scheduled_for + interval '30 days' WHERE id = $1", action["id"]
    )
    try:
        assert await asyncio.to_thread(_self_check, database) == (
            1,
            "",
            [
                f"case {document['receipt_no']}, document {document['id']} is not what the ledger signed",
                f"case {action['receipt_no']}, next action {action['id']} is not what the ledger signed",
            ],
        )
    finally:
        await database.fetch("UPDATE document SET title = $2 WHERE id = $1", document["id"], document["title"])
        await database.fetch(
            "UPDATE scheduled_action SET scheduled_for = $2 WHERE id = $1", action["id"], action["scheduled_for"]
        )
    status, printed, differences = await asyncio.to_thread(_self_check, database)
    assert (status, differences) == (0, [])
    assert re.fullmatch(r"ok: \d+ events match their leaves; \d+ cases show what the leaves say\n", printed)


async def test_the_verifier_catches_a_rewritten_leaf(
    audited: tuple[ServerProcess, Officers, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running, database, key = audited
    await database.fetch(
        "UPDATE ledger_leaf SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), "
        "'\"seq\":20', '\"seq\":20 '), 'UTF8') WHERE leaf_index = 19"
    )
    await database.fetch("UPDATE event SET payload = payload WHERE seq = 20")
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json") == 1
    assert "MISMATCH" in capsys.readouterr().err


async def test_the_verifier_catches_a_deleted_event(
    audited: tuple[ServerProcess, Officers, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running, database, key = audited
    await database.fetch("DELETE FROM ledger_leaf WHERE leaf_index = 29")
    await database.fetch("DELETE FROM event WHERE seq = 30")
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json") == 1
    assert "not all there" in capsys.readouterr().err
