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
from dataclasses import dataclass
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


def _verify(running: ServerProcess, key: str, state: Path, command: str = "monitor", *arguments: str) -> int:
    return independent.main(
        ["--server", f"http://127.0.0.1:{running.port}", "--key", key, "--state", str(state), command, *arguments]
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


@dataclass(frozen=True)
class Tamper:
    """A served column altered directly in the database, on a case no other tamper touches ($1: the cases
    taken). `pick` returns the row's id, its case's receipt number, the key the difference names (a step's sequence,
    a document's or action's id) and the original value; `alter` and `restore` take the id (and that value)."""

    pick: str
    alter: str
    restore: str
    reported: str


_STEP = 'SELECT s.id, c.receipt_no, s.sequence, {column} FROM step s JOIN "case" c ON c.id = s.case_id WHERE '
_CASE = 'SELECT c.id, c.receipt_no, NULL, {column} FROM "case" c WHERE '
_NOT_TAKEN = " AND c.id <> ALL($1::int[]) ORDER BY 1 LIMIT 1"
TAMPERS = [
    Tamper(
        _STEP.format(column="s.comment") + "s.status = 'signed'" + _NOT_TAKEN,
        "UPDATE step SET comment = '적법하게 처리함' WHERE id = $1",
        "UPDATE step SET comment = $2 WHERE id = $1",
        "case {receipt}, step {key} shows a comment the ledger did not sign",
    ),
    Tamper(
        _STEP.format(column="s.due_at") + "s.status = 'pending'" + _NOT_TAKEN,
        "UPDATE step SET due_at = coalesce(due_at, now()) + interval '3 days' WHERE id = $1",
        "UPDATE step SET due_at = $2 WHERE id = $1",
        "case {receipt}, step {key} shows a due time the ledger did not sign",
    ),
    Tamper(
        _STEP.format(column="s.officer_id") + "s.status = 'pending'" + _NOT_TAKEN,
        "UPDATE step SET officer_id = (SELECT min(id) FROM officer WHERE id <> step.officer_id) WHERE id = $1",
        "UPDATE step SET officer_id = $2 WHERE id = $1",
        "case {receipt}, step {key} shows a name, role or officer the ledger did not sign",
    ),
    Tamper(
        _STEP.format(column="s.started_at") + "s.status = 'in_progress'" + _NOT_TAKEN,
        "UPDATE step SET started_at = started_at - interval '1 hour' WHERE id = $1",
        "UPDATE step SET started_at = $2 WHERE id = $1",
        "case {receipt}, step {key} shows a start time the ledger did not sign",
    ),
    Tamper(
        _CASE.format(column="c.result") + "c.status = 'rejected'" + _NOT_TAKEN,
        "UPDATE \"case\" SET result = '허가' WHERE id = $1",
        'UPDATE "case" SET result = $2 WHERE id = $1',
        "case {receipt} shows a result or closing time the ledger did not sign",
    ),
    Tamper(
        _CASE.format(column="c.title") + "true" + _NOT_TAKEN,
        "UPDATE \"case\" SET title = '공원 부지 용도 변경' WHERE id = $1",
        'UPDATE "case" SET title = $2 WHERE id = $1',
        "case {receipt} shows a title or location the ledger did not sign",
    ),
    Tamper(
        _CASE.format(column="c.location") + "true" + _NOT_TAKEN,
        "UPDATE \"case\" SET location = '서울특별시 중구 세종대로 110' WHERE id = $1",
        'UPDATE "case" SET location = $2 WHERE id = $1',
        "case {receipt} shows a title or location the ledger did not sign",
    ),
    Tamper(
        _CASE.format(column="c.due_at") + "c.closed_at IS NULL" + _NOT_TAKEN,
        "UPDATE \"case\" SET due_at = due_at + interval '7 days' WHERE id = $1",
        'UPDATE "case" SET due_at = $2 WHERE id = $1',
        "case {receipt} shows a due time the ledger did not sign",
    ),
    Tamper(
        'SELECT d.id, c.receipt_no, d.id, d.title FROM document d JOIN "case" c ON c.id = d.case_id WHERE d.is_public'
        + _NOT_TAKEN,
        "UPDATE document SET title = '허가 검토 의견 없음' WHERE id = $1",
        "UPDATE document SET title = $2 WHERE id = $1",
        "case {receipt}, document {key} is not what the ledger signed",
    ),
    Tamper(
        'SELECT d.id, c.receipt_no, d.id, d.is_public FROM document d JOIN "case" c ON c.id = d.case_id'
        " WHERE d.is_public" + _NOT_TAKEN,
        "UPDATE document SET is_public = false WHERE id = $1",
        "UPDATE document SET is_public = $2 WHERE id = $1",
        "case {receipt}, document {key} is not what the ledger signed",
    ),
    Tamper(
        'SELECT a.id, c.receipt_no, a.id, a.scheduled_for FROM scheduled_action a JOIN "case" c ON c.id = a.case_id'
        " WHERE a.status = 'scheduled'" + _NOT_TAKEN,
        "UPDATE scheduled_action SET scheduled_for = scheduled_for + interval '30 days' WHERE id = $1",
        "UPDATE scheduled_action SET scheduled_for = $2 WHERE id = $1",
        "case {receipt}, next action {key} is not what the ledger signed",
    ),
]


def _mismatches(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return sorted(line.removeprefix("MISMATCH: ") for line in capsys.readouterr().err.splitlines())


async def test_both_checks_catch_every_rewritten_column_of_a_case_page(
    audited: tuple[ServerProcess, Officers, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Columns a case page shows, altered in the database, are caught against the signed leaves (issue 17: the
    ledger's events were intact, so `monitor` alone could not see them): the same differences by the server's own
    `ledger-check`, by the outside verifier's full replay (`pages`) and by its case-by-case proofs (`pages --case`)."""
    running, database, key = audited
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages") == 0
    assert re.search(r"^ok: \d+ case pages show what \d+ signed leaves say$", capsys.readouterr().out, re.M)

    taken: list[int] = []
    altered: list[tuple[Tamper, int, object]] = []
    expected = []
    try:
        for tamper in TAMPERS:
            (row,) = await database.fetch(tamper.pick, taken)
            target, receipt, key_shown, original = row
            taken.append(await database.fetchval(f"SELECT id FROM \"case\" WHERE receipt_no = '{receipt}'"))
            await database.fetch(tamper.alter, target)
            altered.append((tamper, target, original))
            expected.append(tamper.reported.format(receipt=receipt, key=key_shown))
        receipts = sorted({line.split(",")[0].split()[1] for line in expected})
        assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json") == 0, "the events are intact"
        assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages") == 1
        assert _mismatches(capsys) == sorted(expected)
        by_case = [argument for receipt in receipts for argument in ("--case", receipt)]
        assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages", *by_case) == 1
        assert _mismatches(capsys) == sorted(expected)
        status, printed, differences = await asyncio.to_thread(_self_check, database)
        assert (status, printed, sorted(differences)) == (1, "", sorted(expected))
    finally:
        for tamper, target, original in reversed(altered):
            await database.fetch(tamper.restore, target, original)

    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages") == 0
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages", *by_case) == 0
    assert f"ok: {len(receipts)} case pages show what" in capsys.readouterr().out
    assert await asyncio.to_thread(_verify, running, key, tmp_path / "state.json", "pages", "--sample", "5") == 0
    assert "ok: 5 case pages show what" in capsys.readouterr().out
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
