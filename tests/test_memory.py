"""A settled server process (openproc/memory.py) gives scrypt's 16 MiB back after every access code it hashes,
and keeps what startup built out of the collector's scans. Each case runs in a fresh interpreter: malloc's
thresholds and the frozen generation are process-wide."""

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
# What is measured is glibc's malloc (Debian's, as on the CI machine and in the image); elsewhere it means nothing.
pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc is what is measured")

# Access codes hashed the way the API does (resolvers/access_code.py: one worker thread, as asyncio.to_thread).
HASHING = """
import gc, json, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from openproc import memory
from resolvers.access_code import hash_code

def rss() -> int:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) * 1024

if sys.argv[1] == "settled":
    memory.settle()
with ThreadPoolExecutor(1) as worker:
    worker.submit(hash_code, "7KQ2-M9XP-4TRB").result()
    before = rss()
    for _ in range(4):
        worker.submit(hash_code, "7KQ2-M9XP-4TRB").result()
    print(json.dumps({"grown": rss() - before, "frozen": gc.get_freeze_count()}))
"""


def hash_codes(mode: str) -> dict[str, int]:
    run = subprocess.run(
        [sys.executable, "-c", HASHING, mode], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, int] = json.loads(run.stdout)
    return result


def test_a_settled_process_gives_scrypt_buffers_back() -> None:
    settled = hash_codes("settled")
    assert settled["grown"] < 4 * MIB, settled
    assert settled["frozen"] > 10_000, "startup's objects are frozen"


def test_an_unsettled_process_keeps_them() -> None:
    """The glibc behaviour that memory.settle() undoes; were it gone, the test above would prove nothing."""
    plain = hash_codes("plain")
    assert plain["grown"] > 12 * MIB, plain
    assert plain["frozen"] == 0
