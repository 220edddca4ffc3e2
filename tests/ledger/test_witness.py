"""An independent witness cosigns the ledger's checkpoints (C2SP tlog-witness, tlog-cosignature): `openproc witness`
in its own process, and the log — in-process or `openproc serve` — submitting to it over loopback HTTP.

It cosigns consecutive checkpoints, refuses a fork (the leaf rewrite of tests/ledger/test_fork.py, signed by a log
that lost its memory), answers every request as the specification says, keeps its key and state across a restart;
a witness that is down or silent never stops signing, and the standalone verifier with `--witness-key` accepts
only a checkpoint its witness cosigned.
"""

import asyncio
import base64
import contextlib
import hashlib
import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from prometheus_client import REGISTRY
from pydantic import SecretStr
from starlette.applications import Starlette

from ledger import merkle
from ledger.cosignature import Cosigner
from ledger.note import Signer, checkpoint_body, verify
from openproc.app import create_app
from openproc.settings import Settings
from seed import loader
from tests.conftest import fresh_database, load_demo
from tests.helpers import Officers
from tests.ledger.test_fork import _rewrite_leaf
from tests.schema.mutations.workflow import Desk
from tests.subscriptions.servers import ROOT, free_port, server
from verifier import openproc_verify as independent

T = TypeVar("T")
ORIGIN = "openproc.example/ledger"
# The log's key, fixed so that a witness can be told it before the log starts (as an operator publishes it).
LOG_SEED = base64.b64encode(hashlib.sha256(b"the witness tests' log").digest()).decode()
LOG = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(base64.b64decode(LOG_SEED)))
SIZE_TYPE = "text/x.tlog.size"
# What a silent witness costs a submission; a signing must be served in well under it.
TIMEOUT_S = 6.0


@dataclass
class WitnessProcess:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _openproc(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openproc.cli", *arguments],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "warning"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def witness_key(state_dir: Path, name: str) -> str:
    """`openproc witness key`: the verifier key, making the witness's key on first use."""
    result = await asyncio.to_thread(_openproc, "witness", "key", "--state-dir", str(state_dir), "--name", name)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@contextlib.asynccontextmanager
async def witness(state_dir: Path, name: str, *logs: str, port: int | None = None) -> AsyncIterator[WitnessProcess]:
    """`openproc witness` in its own process, on a loopback port, until the block ends."""
    port = port or free_port()
    arguments = ["witness", "--state-dir", str(state_dir), "--name", name, "--port", str(port)]
    for log in logs:
        arguments += ["--log", log]
    process = subprocess.Popen(  # noqa: ASYNC220 (starting a child does not block; its readiness is polled)
        [sys.executable, "-m", "openproc.cli", *arguments],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "warning"},
    )
    running = WitnessProcess(process, port)
    try:

        async def answers() -> bool:
            assert process.poll() is None, f"the witness exited with {process.returncode}"
            try:
                async with httpx.AsyncClient() as probe:
                    return (await probe.get(f"{running.url}/{'0' * 64}/checkpoint")).status_code == 404
            except httpx.TransportError:
                return False

        await until(answers, "the witness answers")
        yield running
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 10)


async def until(condition: Callable[[], Awaitable[T | None]], what: str, within_s: float = 30) -> T:
    """The condition's first true value, checked every 50 ms; fails after `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        found = await condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"not within {within_s} s: {what}"
        await asyncio.sleep(0.05)


def _size(note: str) -> int:
    return int(note.splitlines()[1])


def _failures(name: str, reason: str) -> float:
    labels = {"witness": name, "reason": reason}
    return REGISTRY.get_sample_value("openproc_ledger_witness_failures_total", labels) or 0.0


async def _refused(name: str, count: float) -> bool:
    return _failures(name, "inconsistent") >= count


def _cosignatures(name: str) -> float:
    return REGISTRY.get_sample_value("openproc_ledger_cosignatures_total", {"witness": name}) or 0.0


def _submission(old: int, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(node).decode() for node in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


async def _served_with(http: httpx.AsyncClient, witness_vkey: str, size: int) -> str | None:
    """The served checkpoint once it covers `size` leaves and carries the witness's valid cosignature."""
    response = await http.get("/ledger/checkpoint")
    if response.status_code != 200 or _size(response.text) < size:
        return None
    try:
        independent.verify_cosignature(response.text, witness_vkey)
    except independent.MissingCosignature:
        return None
    return response.text


async def _leaves(url: str) -> int:
    return int(await Officers(url).fetchval("SELECT count(*) FROM ledger_leaf"))


@pytest.fixture(scope="module")
async def log_url() -> AsyncIterator[str]:
    """A database with the demo data for the logs of this module (those that do not fork it)."""
    async for url in fresh_database("witness"):
        await load_demo(url, datetime.now(UTC))
        yield url


@pytest.fixture
async def forkable_url() -> AsyncIterator[str]:
    async for url in fresh_database("witness_fork"):
        await load_demo(url, datetime.now(UTC))
        yield url


@contextlib.asynccontextmanager
async def log(
    url: str, data_dir: Path, witnesses: list[tuple[str, str]], **settings: Any
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app with its background signer and the witnesses' feeds running, as `openproc serve` runs them."""
    app = create_app(
        url,
        Settings(
            db_pool_size=2,
            data_dir=data_dir,
            ledger_signing_key=SecretStr(LOG_SEED),
            ledger_origin=ORIGIN,
            ledger_witness_urls=",".join(address for address, _ in witnesses),
            ledger_witness_keys=",".join(key for _, key in witnesses),
            **settings,
        ),
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield app, http


class SyntheticLog:
    """A log of `leaves` made-up leaves and its checkpoints, for requests the real log would never send."""

    def __init__(self, origin: str, leaves: int) -> None:
        self.signer = Signer(origin, Ed25519PrivateKey.generate())
        hashes = [merkle.leaf_hash(f"leaf {index}".encode()) for index in range(leaves)]
        self.nodes = {(level, index): digest for level, index, digest in merkle.build(hashes)}

    def node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def root(self, size: int) -> bytes:
        return merkle.root(size, self.node)

    def checkpoint(self, size: int, root: bytes | None = None) -> str:
        return self.signer.sign(checkpoint_body(self.signer.name, size, self.root(size) if root is None else root))

    def proof(self, first: int, second: int) -> list[bytes]:
        return merkle.consistency_proof(first, second, self.node)


def test_a_cosignature_is_a_c2sp_cosignature_v1_line() -> None:
    """Checked from the specification's words with nothing but `cryptography`, then against docs/ledger.md's worked
    example, which must be exactly what its documented seed, name, time and checkpoint give."""
    witness_key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    cosigner = Cosigner("witness.example/w1", witness_key)
    body = "openproc.example/ledger\n4213\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    line = cosigner.cosign(body, 1796086800)

    name, encoded = line.removeprefix("\u2014 ").removesuffix("\n").split(" ")
    blob = base64.b64decode(encoded)
    public = witness_key.public_key().public_bytes_raw()
    assert name == "witness.example/w1"
    assert blob[:4] == hashlib.sha256(b"witness.example/w1\n\x04" + public).digest()[:4]
    assert int.from_bytes(blob[4:12], "big") == 1796086800
    Ed25519PublicKey.from_public_bytes(public).verify(blob[12:], b"cosignature/v1\ntime 1796086800\n" + body.encode())
    encoded_key = base64.b64encode(b"\x04" + public).decode()
    assert cosigner.verifier_key == f"witness.example/w1+{blob[:4].hex()}+{encoded_key}"

    note = LOG.sign(body) + line
    assert verify(note, LOG.verifier_key)[1] == 4213, "still the log's valid signed note, one signature more"
    assert independent.verify_note(note, LOG.verifier_key)[1] == 4213
    assert independent.verify_cosignature(note, cosigner.verifier_key) == 1796086800
    with pytest.raises(independent.Mismatch, match="invalid"):
        independent.verify_cosignature(note.replace("\n4213\n", "\n4214\n"), cosigner.verifier_key)
    documented = (ROOT / "docs" / "ledger.md").read_text()
    assert cosigner.verifier_key in documented
    assert line.strip() in documented


async def test_the_witness_answers_as_tlog_witness_says(tmp_path: Path) -> None:
    synthetic = SyntheticLog("example.org/synthetic", 20)
    stranger = Signer("example.org/synthetic", Ed25519PrivateKey.generate())
    unknown = Signer("example.org/unknown", Ed25519PrivateKey.generate())
    name = "witness.test/protocol"
    vkey = await witness_key(tmp_path, name)
    async with witness(tmp_path, name, synthetic.signer.verifier_key) as running, httpx.AsyncClient() as http:

        async def status(old: int, proof: list[bytes], note: str) -> int:
            return (await http.post(f"{running.url}/add-checkpoint", content=_submission(old, proof, note))).status_code

        assert await status(0, [], unknown.sign(checkpoint_body(unknown.name, 1, b"\1" * 32))) == 404
        # A signature by the trusted key that fails (a size changed after signing); a note by another key only.
        assert await status(0, [], synthetic.checkpoint(5).replace("\n5\n", "\n6\n", 1)) == 403
        assert await status(0, [], stranger.sign(checkpoint_body(stranger.name, 5, synthetic.root(5)))) == 403
        assert await status(6, [], synthetic.checkpoint(5)) == 400
        leading_zero = await http.post(f"{running.url}/add-checkpoint", content=b"old 00\n\n" + b"x")
        assert leading_zero.status_code == 400
        # An empty tree has the empty root; from it no proof is needed, and one given is refused.
        assert await status(0, [], synthetic.checkpoint(0, b"\1" * 32)) == 422
        assert await status(0, [], synthetic.checkpoint(0)) == 200
        assert await status(0, synthetic.proof(1, 5), synthetic.checkpoint(5)) == 422

        first = await http.post(f"{running.url}/add-checkpoint", content=_submission(0, [], synthetic.checkpoint(5)))
        assert first.status_code == 200, first.text
        assert re.fullmatch(rf"\u2014 {re.escape(name)} [A-Za-z0-9+/]+=*\n", first.text)
        assert independent.verify_cosignature(synthetic.checkpoint(5) + first.text, vkey) <= time.time()

        stale = await http.post(f"{running.url}/add-checkpoint", content=_submission(0, [], synthetic.checkpoint(7)))
        assert (stale.status_code, stale.headers["content-type"], stale.text) == (409, SIZE_TYPE, "5\n")
        assert await status(5, synthetic.proof(4, 7), synthetic.checkpoint(7)) == 422
        assert await status(5, [], synthetic.checkpoint(5, b"\2" * 32)) == 422, "the same size with another root"
        grown = await http.post(
            f"{running.url}/add-checkpoint", content=_submission(5, synthetic.proof(5, 7), synthetic.checkpoint(7))
        )
        assert grown.status_code == 200, grown.text
        assert independent.verify_cosignature(synthetic.checkpoint(7) + grown.text, vkey)

        # Monitors read the last cosigned checkpoint, with the log's signature and the cosignature.
        origin_hash = hashlib.sha256(b"example.org/synthetic").hexdigest()
        latest = await http.get(f"{running.url}/{origin_hash}/checkpoint")
        assert latest.text == synthetic.checkpoint(7) + grown.text
        assert (await http.get(f"{running.url}/add-checkpoint")).status_code == 405
        assert (await http.post(f"{running.url}/add-checkpoint", content=b"old 0\n" * 20_000)).status_code == 413


async def test_a_restarted_witness_keeps_its_key_and_what_it_cosigned(tmp_path: Path) -> None:
    synthetic = SyntheticLog("example.org/restarted", 9)
    name, port = "witness.test/restart", free_port()
    add = "/add-checkpoint"
    async with (
        witness(tmp_path, name, synthetic.signer.verifier_key, port=port) as running,
        httpx.AsyncClient() as http,
    ):
        first = await http.post(running.url + add, content=_submission(0, [], synthetic.checkpoint(5)))
        assert first.status_code == 200
        # One witness process per state: a second would check `old` against a size the first is changing.
        arguments = ["--state-dir", str(tmp_path), "--log", synthetic.signer.verifier_key, "--port", str(free_port())]
        second = await asyncio.to_thread(_openproc, "witness", *arguments)
        assert second.returncode == 1
        assert "another witness process uses" in second.stderr
    key_before = await witness_key(tmp_path, name)
    assert stat.S_IMODE((tmp_path / "witness.key").stat().st_mode) == 0o600

    async with (
        witness(tmp_path, name, synthetic.signer.verifier_key, port=port) as running,
        httpx.AsyncClient() as http,
    ):
        stale = await http.post(running.url + add, content=_submission(0, [], synthetic.checkpoint(9)))
        assert (stale.status_code, stale.text) == (409, "5\n"), "the size cosigned before the restart"
        grown = await http.post(
            running.url + add, content=_submission(5, synthetic.proof(5, 9), synthetic.checkpoint(9))
        )
        assert grown.status_code == 200
        assert independent.verify_cosignature(synthetic.checkpoint(9) + grown.text, key_before)
    assert await witness_key(tmp_path, name) == key_before
    renamed = await asyncio.to_thread(_openproc, "witness", "key", "--state-dir", str(tmp_path), "--name", "other/w")
    assert renamed.returncode == 1
    assert "this witness is named 'witness.test/restart'" in renamed.stderr


async def test_the_witness_cosigns_consecutive_checkpoints(log_url: str, tmp_path: Path) -> None:
    name = "witness.test/consecutive"
    vkey = await witness_key(tmp_path / "witness", name)
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    async with (
        witness(tmp_path / "witness", name, LOG.verifier_key) as running,
        httpx.AsyncClient() as client,
        # Refreshed every second, so that this test sees a quiet log's cosignature renewed.
        log(log_url, tmp_path / "log", [(running.url, vkey)], ledger_witness_refresh_s=1) as (_, http),
    ):
        cosigned = _cosignatures(name)
        desk = Desk(http, Officers(log_url))
        for _ in range(2):
            await desk.register()
            size = await _leaves(log_url)
            note = await until(partial(_served_with, http, vkey, size), f"a cosigned checkpoint of {size}")
            assert _size(note) == size
            assert independent.verify_note(note, LOG.verifier_key)[1] == size
            # The witness holds that tree now, and will take the next one only with a proof from it.
            held = (await client.get(f"{running.url}/{origin_hash}/checkpoint")).text
            assert _size(held) == size
        assert _cosignatures(name) >= cosigned + 2
        graphql = await http.post("/graphql", json={"query": "{ ledger { checkpoint { note } } }"})
        assert graphql.json()["data"]["ledger"]["checkpoint"]["note"] == (await http.get("/ledger/checkpoint")).text

        # A quiet log: the same checkpoint cosigned again, at a later time (a frozen log's cosignatures only age).
        first = independent.verify_cosignature(note, vkey)

        async def renewed() -> int | None:
            served = (await http.get("/ledger/checkpoint")).text
            assert _size(served) == size
            later = independent.verify_cosignature(served, vkey)
            return later if later > first else None

        await until(renewed, "a renewed cosignature", within_s=10)
        served = (await http.get("/ledger/checkpoint")).text
        assert served.count(f"\u2014 {name} ") == 1, "one line per witness: the renewed one replaced the old"


async def test_a_forked_log_is_not_cosigned(forkable_url: str, tmp_path: Path) -> None:
    name = "witness.test/fork"
    vkey = await witness_key(tmp_path / "witness", name)
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    database = await asyncpg.connect(loader.libpq(forkable_url))
    try:
        async with witness(tmp_path / "witness", name, LOG.verifier_key) as running, httpx.AsyncClient() as client:
            async with log(forkable_url, tmp_path / "honest", [(running.url, vkey)]) as (_, http):
                size = await _leaves(forkable_url)
                honest = await until(partial(_served_with, http, vkey, size), "the honest checkpoint cosigned")

            # The attack of test_fork.py by someone who also holds the signing key: a leaf rewritten with its
            # ancestors, the checkpoint table emptied, and a signer that remembers nothing (a new DATA_DIR).
            await _rewrite_leaf(database, 10)
            await database.execute("TRUNCATE ledger_checkpoint")
            inconsistent = _failures(name, "inconsistent")
            async with log(forkable_url, tmp_path / "forgetful", [(running.url, vkey)]) as (app, http):
                # The forked tree of the same size: the witness holds another root for it.
                await until(partial(_refused, name, inconsistent + 1), "the witness refusing the forked tree")
                await Desk(http, Officers(forkable_url)).register()

                async def grown() -> str | None:
                    response = await http.get("/ledger/checkpoint")
                    return response.text if _size(response.text) == size + 1 else None

                served = await until(grown, "the grown fork signed")
                # The log signs the fork (its memory is gone): only the witness can catch it.
                assert verify(served, LOG.verifier_key)[1] == size + 1
                assert app.state.checkpointer.refusal is None
                # The proof anyone is served, from the witness's size, does not lead to the forked tree.
                proof = (await http.get("/ledger/proof/consistency", params={"first": size, "second": size + 1})).json()
                nodes = [base64.b64decode(node) for node in proof["consistency"]]
                direct = await client.post(f"{running.url}/add-checkpoint", content=_submission(size, nodes, served))
                assert direct.status_code == 422
                # Two more refusals: the second began after the grown fork was offered, so it was that one.
                now = _failures(name, "inconsistent")
                await until(partial(_refused, name, now + 2), "the witness refusing the grown fork")
                served = (await http.get("/ledger/checkpoint")).text
                assert _size(served) == size + 1
                with pytest.raises(independent.MissingCosignature):
                    independent.verify_cosignature(served, vkey)
            held = (await client.get(f"{running.url}/{origin_hash}/checkpoint")).text
            assert held.split("\n\n")[0] == honest.split("\n\n")[0], "the witness still holds the honest tree"
    finally:
        await database.close()


async def test_a_witness_that_is_down_or_silent_never_stops_signing(log_url: str, tmp_path: Path) -> None:
    """Each signing is served long before the silent witness's timeout: no submission holds up the signer."""
    down = Cosigner("witness.test/down", Ed25519PrivateKey.generate())
    silent = Cosigner("witness.test/silent", Ed25519PrivateKey.generate())
    # Accepts connections (the kernel completes them) and never answers: each request waits for the timeout.
    with contextlib.closing(socket.socket()) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        witnesses = [
            (f"http://127.0.0.1:{free_port()}", down.verifier_key),
            (f"http://127.0.0.1:{listener.getsockname()[1]}", silent.verifier_key),
        ]
        unreachable = _failures(down.name, "unreachable"), _failures(silent.name, "unreachable")
        async with log(log_url, tmp_path, witnesses, ledger_witness_timeout_s=TIMEOUT_S) as (_, http):
            desk = Desk(http, Officers(log_url))
            for _ in range(3):
                await desk.register()
                size = await _leaves(log_url)

                async def signed(size: int = size) -> bool:
                    response = await http.get("/ledger/checkpoint")
                    return response.status_code == 200 and _size(response.text) >= size

                await until(signed, f"a checkpoint of {size} leaves", within_s=TIMEOUT_S / 2)

            async def both_failed() -> bool:
                return (
                    _failures(down.name, "unreachable") > unreachable[0]
                    and _failures(silent.name, "unreachable") > unreachable[1]
                )

            # The silent one once its timeout has passed: a submission's wait is bounded.
            await until(both_failed, "both witnesses counted as unreachable", within_s=3 * TIMEOUT_S)
            served = (await http.get("/ledger/checkpoint")).text
            assert served.count("\u2014 ") == 1, "only the log's own signature"
            assert (await http.get("/readyz")).json()["ledger"] == "ok"


async def test_the_verifier_requires_the_witness_cosignature(
    log_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`openproc serve` with a witness: what it serves carries the cosignature the verifier requires; while the
    witness is down the log keeps signing, uncosigned (refused by the verifier); restarted, the witness cosigns
    again from the state it kept."""
    name = "witness.test/verifier"
    state_dir, port = tmp_path / "witness", free_port()
    vkey = await witness_key(state_dir, name)
    other = Cosigner("witness.test/other", Ed25519PrivateKey.generate()).verifier_key
    settings = {
        "DATA_DIR": str(tmp_path / "log"),
        "LEDGER_SIGNING_KEY": LOG_SEED,
        "LEDGER_ORIGIN": ORIGIN,
        "LEDGER_WITNESS_URLS": f"http://127.0.0.1:{port}",
        "LEDGER_WITNESS_KEYS": vkey,
    }
    async with (
        server(log_url, **settings) as served,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{served.port}") as http,
    ):

        def verifier(*arguments: str) -> int:
            base = ["--server", f"http://127.0.0.1:{served.port}", "--key", LOG.verifier_key]
            return independent.main([*base, "--state", str(tmp_path / "verifier.json"), *arguments, "checkpoint"])

        async with witness(state_dir, name, LOG.verifier_key, port=port):
            size = await _leaves(log_url)
            note = await until(partial(_served_with, http, vkey, size), "the served checkpoint cosigned")
            graphql = await http.post("/graphql", json={"query": "{ ledger { checkpoint { note } } }"})
            assert graphql.json()["data"]["ledger"]["checkpoint"]["note"] == note

            capsys.readouterr()
            assert await asyncio.to_thread(verifier, "--witness-key", vkey) == 0
            accepted = capsys.readouterr().out
            assert re.search(rf"^witness {re.escape(name)}: cosigned \d+ s ago \(20\d\d-", accepted, re.M), accepted
            assert await asyncio.to_thread(verifier, "--witness-key", other, "--witness-wait", "0") == 1
            assert "carries no cosignature by witness witness.test/other" in capsys.readouterr().err
            assert await asyncio.to_thread(verifier, "--witness-key", vkey, "--witness-max-age", "0") == 1
            assert "the log (or the witness) has stopped" in capsys.readouterr().err

        await Desk(http, Officers(log_url)).register()
        grown = await _leaves(log_url)

        async def signed() -> str | None:
            response = await http.get("/ledger/checkpoint")
            return response.text if _size(response.text) >= grown else None

        uncosigned = await until(signed, "a checkpoint signed while the witness is down")
        with pytest.raises(independent.MissingCosignature):
            independent.verify_cosignature(uncosigned, vkey)
        assert await asyncio.to_thread(verifier, "--witness-key", vkey, "--witness-wait", "0") == 1
        assert f"carries no cosignature by witness {name}" in capsys.readouterr().err
        assert await asyncio.to_thread(verifier) == 0, "the log's own signature is still good"

        async with witness(state_dir, name, LOG.verifier_key, port=port) as running, httpx.AsyncClient() as client:
            await until(partial(_served_with, http, vkey, grown), "the grown checkpoint cosigned after the restart", 60)
            assert await asyncio.to_thread(verifier, "--witness-key", vkey) == 0
            stale = await client.post(f"{running.url}/add-checkpoint", content=_submission(0, [], uncosigned))
            assert (stale.status_code, stale.text) == (409, f"{grown}\n"), "it went on from the size it kept"
