"""The image's install, without a container engine: the Dockerfile's two scripts build OPEN's wheel with the
locked requirements and install both into a clean virtualenv; from there, away from the source tree, the installed
`openproc` runs docker-compose.yml's setup step on an empty database (migrations, demo data, the ledger key), serves
it, and answers the page, GraphiQL and a query."""

import asyncio
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from packaging.markers import Marker

from tests.subscriptions.servers import ROOT, free_port

UV = ROOT / ".tools" / "bin" / "uv"  # pinned by the Makefile, which installs it
RECEIPT = "2026-BLD-PMT-00018"  # README's example, in the fixed demo data
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def run(*command: str | Path, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = UV if UV.exists() else shutil.which("uv")
    assert uv, "uv is missing: `make install-dev` installs the pinned one into .tools/"
    folder = tmp_path_factory.mktemp("image")
    # Only what a container would have: no PYTHONPATH, and a working folder outside the source tree.
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["UV"] = str(uv)
    run(ROOT / "deploy" / "build-wheel.sh", folder / "dist", cwd=ROOT, env=env)
    run(ROOT / "deploy" / "install-wheel.sh", folder / "dist", folder / "venv", cwd=folder, env=env)
    return folder / "venv"


def test_the_wheel_carries_the_migrations_the_page_and_graphiql(installed: Path) -> None:
    (site,) = installed.glob("lib/python*/site-packages")
    package = site / "openproc"
    assert sorted(path.name for path in (package / "migrations" / "versions").glob("0001_*.py"))
    for shipped in ("migrations/env.py", "migrations/script.py.mako", "web/index.html", "web/graphiql.html"):
        assert (package / shipped).is_file(), shipped
    assert (package / "web" / "vendor" / "graphiql.min.js").is_file(), "run `make graphiql` before building"
    # Exactly the lock's runtime for this platform, at its versions: no dev tool came along, nothing newer resolved.
    requirements = (installed.parent / "dist" / "requirements.txt").read_text()
    locked = {
        _normal(pinned)
        for pinned, marker in re.findall(r"^([A-Za-z0-9_.-]+==[^ ;\\]+)(?: ; ([^\\\n]+))?", requirements, re.M)
        if not marker or Marker(marker).evaluate()
    }
    listing = "import importlib.metadata as m; print('\\n'.join(f'{d.name}=={d.version}' for d in m.distributions()))"
    present = {
        _normal(pinned) for pinned in run(installed / "bin" / "python", "-c", listing, cwd=installed, env={}).split()
    }
    assert present == locked | {_normal(f"openproc=={VERSION}")}


def _normal(pinned: str) -> str:
    name, version = pinned.split("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


@dataclass
class Serving:
    port: int
    setup_output: str


@pytest.fixture(scope="module")
async def serving(installed: Path, empty_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Serving]:
    folder = tmp_path_factory.mktemp("run")
    env = {
        "PATH": f"{installed / 'bin'}:{os.environ['PATH']}",
        "DATABASE_URL": empty_url,
        "DATA_DIR": str(folder),
        "LOG_LEVEL": "warning",
        "OVERSIGHT_INTERVAL_S": "0",
    }
    # docker-compose.yml's setup step, as written there (compose turns `$$` into `$`), twice: the second finds the
    # demo in place and keeps it.
    setup = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["setup"]["command"]
    assert setup[:2] == ["sh", "-c"]
    script = setup[2].replace("$$", "$")
    outputs = [await asyncio.to_thread(run, "sh", "-c", script, cwd=folder, env=env) for _ in range(2)]
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 (polled below)
        [installed / "bin" / "openproc", "serve", "--port", str(port), "--no-demo"], cwd=folder, env=env
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                assert process.poll() is None, f"openproc serve exited with {process.returncode}"
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        yield Serving(port, outputs[-1])
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_the_installed_wheel_serves_the_demo(serving: Serving) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{serving.port}") as client:
        page = await client.get("/")
        script = await client.get("/static/app.js")
        graphiql = await client.get("/graphql", headers={"accept": "text/html"})
        asset = await client.get("/static/vendor/graphiql.min.js")
        key = await client.get("/ledger/key")
        answer = await client.post(
            "/graphql",
            json={"query": "query($r: String!) { case(receiptNo: $r) { status } }", "variables": {"r": RECEIPT}},
        )
    assert page.status_code == 200
    assert "<html" in page.text
    assert script.status_code == 200
    assert "GraphiQL" in graphiql.text
    assert asset.status_code == 200
    assert answer.json() == {"data": {"case": {"status": "IN_PROGRESS"}}}
    # The key the setup step printed (and made) is the one every replica signs with.
    assert key.text.strip() == serving.setup_output.strip().splitlines()[-1]
