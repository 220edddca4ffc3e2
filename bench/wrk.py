"""Shared pieces of the HTTP load benchmarks: one GraphQL call, and a wrk run over a rotating set of bodies.

wrk (Debian's `wrk` package) is the load generator so that the client costs the server as little CPU as
possible; a Lua script rotates through the request bodies and reports the counts and percentiles in one line.
"""

import json
import re
import shutil
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Each wrk thread runs its own Lua state, so the GraphQL error count is kept per thread and summed in `done`.
# A 200 whose body carries a top-level "errors" key is a failure too: GraphQL reports most errors with 200.
# The plain find cannot match a string value, where the quotes would be escaped.
LUA = """
local bodies = {BODIES}
local threads = {}
local i = 0
graphql_errors = 0
setup = function(thread)
  table.insert(threads, thread)
end
request = function()
  i = i + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(i % #bodies) + 1])
end
response = function(status, headers, body)
  if string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end
done = function(summary, latency, requests)
  local errors = 0
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("graphql_errors")
  end
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    errors, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    graphql_errors: int

    @property
    def failures(self) -> int:
        return self.non_2xx + self.socket_errors + self.graphql_errors


def require_loopback(url: str) -> None:
    if urlparse(url).hostname not in LOOPBACK:
        raise SystemExit("load is only ever sent to a loopback address")


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")


def graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The `data` of one operation; any error ends the benchmark, since its numbers would be meaningless."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload: dict[str, Any] = json.load(response)
    if payload.get("errors"):
        raise SystemExit(f"the server answered with errors: {payload['errors']}")
    return payload["data"]  # type: ignore[no-any-return]


def run_wrk(url: str, name: str, bodies: list[str], connections: int, seconds: int, threads: int = 1) -> Result:
    require_loopback(url)
    lua = LUA.replace("{BODIES}", "{" + ",".join(json.dumps(body) for body in bodies) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name]
        output = subprocess.run(
            [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 60
        ).stdout
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not found or not rate:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    _, non_2xx, socket_errors, graphql_errors, p50_us, p99_us = (int(value) for value in found.groups())
    return Result(name, float(rate[1]), p50_us / 1000, p99_us / 1000, non_2xx, socket_errors, graphql_errors)
