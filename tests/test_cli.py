"""The command line says what a user can fix in one line, with a non-zero exit, never a traceback."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.subscriptions.servers import ROOT, free_port


def openproc(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openproc.cli", *arguments],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line and "XDG_RUNTIME_DIR" not in line]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_database_server_that_is_not_there(database_url: str) -> None:
    nowhere = make_url(database_url).set(host="127.0.0.1", port=free_port(), password="secret")
    line = one_line(openproc("migrate", DATABASE_URL=nowhere.render_as_string(hide_password=False)))
    assert "Connect call failed" in line
    assert "secret" not in line, "the password stays out of the message"


def test_a_database_that_does_not_exist(database_url: str) -> None:
    missing = make_url(database_url).set(database="openproc_no_such_database")
    line = one_line(openproc("migrate", DATABASE_URL=missing.render_as_string(hide_password=False)))
    assert 'database "openproc_no_such_database" does not exist' in line


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("officer", "find", "2026-XXX-NOPE-00001"), "no case 2026-XXX-NOPE-00001"),
        (("officer", "token", "create", "S999999"), "no active officer with employee number S999999"),
    ],
)
@pytest.mark.usefixtures("demo")
def test_an_unknown_receipt_or_employee_number(database_url: str, arguments: tuple[str, ...], expected: str) -> None:
    result = openproc(*arguments, DATABASE_URL=database_url)
    assert expected in one_line(result)
    assert result.stdout == ""


def test_a_busy_port_is_named_before_the_slow_start(database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(openproc("serve", "--port", str(port), DATABASE_URL=database_url))
    assert f"127.0.0.1:{port} is not free" in line
    assert "PORT" in line


def test_several_workers_without_shared_budgets_are_refused_before_the_slow_start(database_url: str) -> None:
    line = one_line(openproc("serve", "--workers", "2", DATABASE_URL=database_url))
    assert "2 processes would each count every caller's budget apart" in line
    assert "RATE_LIMIT_URL" in line


def test_the_ledger_is_named_after_the_deployment(database_url: str, tmp_path: Path) -> None:
    """Without LEDGER_ORIGIN the key is named after the server's own address, as tlog-tiles recommends; with it,
    after the name the deployment gives."""
    common = {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)}
    own = openproc("ledger-key", **common, HOST="127.0.0.1", PORT="8123")
    everywhere = openproc("ledger-key", **common, HOST="0.0.0.0", PORT="8123")
    public = openproc("ledger-key", **common, LEDGER_ORIGIN="open.seoul.go.kr/ledger")

    assert own.stdout.startswith("127.0.0.1:8123/ledger+"), own.stderr
    assert everywhere.stdout.startswith(f"{socket.gethostname()}:8123/ledger+"), everywhere.stderr
    assert public.stdout.startswith("open.seoul.go.kr/ledger+"), public.stderr
    assert len({own.stdout.split("+")[2], public.stdout.split("+")[2]}) == 1, "one key, named as configured"
