"""README's commands and queries, run as written against what `make run` serves a newcomer.

`make run` itself starts the server here, on an empty database (it migrates and loads the fixed demo data), so the
receipt numbers, employee numbers and step IDs that README shows must exist in that demo. Every line of every `sh`
block runs in README's order (only the address changes, to this test's port), every `graphql` block is sent (a
`json` block right after one holds its variables), and so are the invocations examples/ documents.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.subscriptions.servers import ROOT, Watcher, free_port

README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
COMMENT = re.compile(r"\s+#\s.*$")
DOCUMENTED = "127.0.0.1:8000"
# The two lines this test does not run itself, and who does: the server under test is started by `make run`.
# Folders README names that a command makes (`make bench-peer` installs PostGraphile and writes results).
MADE_BY_COMMANDS = {"bench/peer/node_modules", "bench/results"}
RUN_ELSEWHERE = {
    "make run": "this test's server",
    "RATE_ANONYMOUS_PER_MINUTE=100000000 make run": "this test's server, with that budget",
    "make test": "CI (.ci/run), of which this test is a part",
    "docker compose up": "no container engine here: tests/deploy/test_wheel.py installs the image's wheel and runs"
    " compose's setup step, `make compose-check` validates the file",
}


@dataclass
class Served:
    port: int
    env: dict[str, str]

    def address(self, text: str) -> str:
        return text.replace(DOCUMENTED, f"127.0.0.1:{self.port}")


def blocks(language: str) -> list[tuple[str, str | None]]:
    """Each block of `language` with the `json` block that directly follows it, if any."""
    found = list(BLOCK.finditer(README))
    result = []
    for index, match in enumerate(found):
        if match.group(1) != language:
            continue
        following = found[index + 1] if index + 1 < len(found) else None
        variables = None
        if following and following.group(1) == "json" and not README[match.end() : following.start()].strip():
            variables = following.group(2)
        result.append((match.group(2), variables))
    return result


def commands() -> list[str]:
    """Every shell line of README, in order, with comments dropped and continued lines joined."""
    lines = []
    for body, _ in blocks("sh"):
        for line in body.replace("\\\n", " ").splitlines():
            command = COMMENT.sub("", line).strip()
            if command:
                lines.append(command)
    return lines


@pytest.fixture(scope="module")
async def served(empty_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    port = free_port()
    home = tmp_path_factory.mktemp("home")  # the verifier keeps its last checkpoint under $HOME
    env = {
        **os.environ,
        "DATABASE_URL": empty_url,
        "PORT": str(port),
        "HOME": str(home),
        "LOG_LEVEL": "warning",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        # `make bench` as a smoke run: the benchmark's own figures come from running it for real, on a server
        # whose anonymous budget is lifted as README's Benchmarks show (a fast machine spends 6,000 a minute in 2 s).
        "ARGS": "--seconds 1 --warmup 1 --connections 2",
        "RATE_ANONYMOUS_PER_MINUTE": "100000000",
    }
    process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, start_new_session=True)  # noqa: ASYNC220
    try:
        deadline = time.monotonic() + 300
        async with httpx.AsyncClient() as client:
            while True:
                assert process.poll() is None, f"make run exited with {process.returncode}"
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "make run did not serve within 300 s"
                    await asyncio.sleep(0.2)
        yield Served(port, env)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as a newcomer stops `make run`
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def bash(served: Served, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{served.address(script)}"],
        cwd=ROOT,
        env=served.env,
        capture_output=True,
        text=True,
        timeout=600,
    )


async def graphql(served: Served, query: str, variables: dict[str, object], token: str | None) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(
            f"http://127.0.0.1:{served.port}/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    body: dict[str, object] = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    return body


def test_readme_has_the_blocks_this_test_reads() -> None:
    assert len(blocks("graphql")) >= 4
    assert any(variables for _, variables in blocks("graphql")), "the mutation's variables block is missing"
    assert "make run" in commands()
    assert "make test" in commands()


async def test_every_graphql_block_answers_without_errors(served: Served) -> None:
    token = None
    for document, variables in blocks("graphql"):
        if document.lstrip().startswith("subscription"):
            await _first_push(served, document)
            continue
        if document.lstrip().startswith("mutation"):
            # README gets the token with its own command line; so does this test.
            (line,) = [command for command in commands() if command.startswith("TOKEN=$(")]
            token = bash(served, f'{line}\nprintf %s "$TOKEN"').stdout
        body = await graphql(served, document, json.loads(variables) if variables else {}, token)
        assert body["data"], document
        if document.lstrip().startswith("mutation"):
            assert json.dumps(body).count('"__typename": "StepPayload"') == 1, body


async def _first_push(served: Served, document: str) -> None:
    watcher = await Watcher.open(f"ws://127.0.0.1:{served.port}/graphql", document)
    try:
        pushed = await watcher.next(within=30)
    finally:
        await watcher.close()
    (progress,) = pushed.values()
    after = int(re.search(r"after:\s*(\d+)", document).group(1))  # type: ignore[union-attr]
    assert progress["sequence"] > after
    assert progress["case"] is not None


async def test_every_shell_line_runs_as_written(served: Served) -> None:
    lines = [line for line in commands() if line not in RUN_ELSEWHERE]
    if shutil.which("wrk") is None and not os.environ.get("CI"):
        lines = [line for line in lines if line != "make bench"]  # .ci/run installs wrk; a workstation may not
    try:
        result = await asyncio.to_thread(bash, served, "set -x\n" + "\n".join(lines))
    finally:
        (ROOT / "reference.yaml").unlink(missing_ok=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # What each command is documented to do, seen in what it printed.
    assert re.search(r"^2\t서류검토\t\w+\tU3RlcDo5MTcz\tS000240\t", result.stdout, re.M), "officer find"
    assert "7. 국장 결재: signed by" in result.stderr, "walk"
    assert "closed: 허가" in result.stderr, "walk"
    assert len(re.findall(r"^ok: ", result.stdout, re.M)) == 6, "the verifier's six checks"
    assert "ok: 20 case pages show what" in result.stdout, "pages --sample 20"
    assert "ok: 1 case pages show what" in result.stdout, "pages --case"
    assert re.search(r'^etag: "[0-9a-f]{64}"', result.stdout, re.M | re.I), "a GET by hash"
    if "make bench" in lines:
        assert "case detail" in result.stdout, "make bench"


async def test_the_examples_follow_the_documented_case(served: Served) -> None:
    documented = (ROOT / "examples" / "subscribe.py").read_text()
    (line,) = [
        line
        for line in documented.splitlines()
        if line.startswith("python examples/subscribe.py") and "--after" in line
    ]
    command = COMMENT.sub("", line).strip() + f" --url ws://127.0.0.1:{served.port}/graphql --count 2"
    result = await asyncio.to_thread(bash, served, command)
    assert result.returncode == 0, result.stderr
    sequences = [int(found) for found in re.findall(r"^#(\d+) ", result.stdout, re.M)]
    after = int(re.search(r"--after (\d+)", line).group(1))  # type: ignore[union-attr]
    assert len(sequences) == 2
    assert sequences == sorted(sequences)
    assert sequences[0] > after
    # The browser example and the page's placeholder name a receipt number of the same demo.
    receipt = re.search(r"receipt=([\w-]+)", (ROOT / "examples" / "browser.html").read_text()).group(1)  # type: ignore[union-attr]
    placeholder = re.search(r"예: ([\w-]+)", (ROOT / "openproc" / "web" / "index.html").read_text()).group(1)  # type: ignore[union-attr]
    for shown in (receipt, placeholder):
        body = await graphql(served, "query($r: String!) { case(receiptNo: $r) { status } }", {"r": shown}, None)
        assert body["data"] == {"case": {"status": "IN_PROGRESS"}}, shown


def test_the_readme_shows_an_existing_path() -> None:
    for path in re.findall(r"`((?:openproc|tests|docs|deploy|verifier|examples|bench|npm)/[\w./-]+)`", README):
        assert (ROOT / path).exists() or path.rstrip("/") in MADE_BY_COMMANDS, path
    assert Path(ROOT / "README.md").read_text().count("PLACEHOLDER") == 0
