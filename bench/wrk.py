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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Each wrk thread runs its own Lua state, so the GraphQL error count is kept per thread and summed in `done`.
# A 200 whose body carries a top-level "errors" key is a failure too: GraphQL reports most errors with 200.
# The plain find cannot match a string value, where the quotes would be escaped.
LUA = """
local requests = {REQUESTS}
local threads = {}
local i = 0
graphql_errors = 0
cache_hits = 0
setup = function(thread)
  table.insert(threads, thread)
end
request = function()
  i = i + 1
  local r = requests[(i % #requests) + 1]
  return wrk.format(r.method, r.path, r.headers, r.body)
end
response = function(status, headers, body)
  if string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
  if headers["X-Cache-Status"] == "HIT" then
    cache_hits = cache_hits + 1
  end
end
done = function(summary, latency, requests)
  local errors, hits = 0, 0
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("graphql_errors")
    hits = hits + thread:get("cache_hits")
  end
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    errors, latency:percentile(50), latency:percentile(99), hits))
end
"""
JSON = {"Content-Type": "application/json"}
# What wrk sends: (method, path or None for the URL's own, headers, body or None).
Request = tuple[str, str | None, dict[str, str], str | None]


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    graphql_errors: int
    # Answers a cache in front marked as hits (nginx's X-Cache-Status: HIT), of all requests.
    cache_hits: int = 0
    requests: int = 0

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
    """POST each body in turn to `url`."""
    return run_wrk_requests(url, name, [("POST", None, JSON, body) for body in bodies], connections, seconds, threads)


def run_wrk_requests(
    url: str,
    name: str,
    requests: Sequence[Request],
    connections: int,
    seconds: int,
    threads: int = 1,
) -> Result:
    """Each request in turn."""
    require_loopback(url)
    lua = LUA.replace("{REQUESTS}", "{" + ",".join(_lua_request(*request) for request in requests) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name]
        output = subprocess.run(
            [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 60
        ).stdout
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not found or not rate:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    total, non_2xx, socket_errors, graphql_errors, p50_us, p99_us, hits = (int(value) for value in found.groups())
    return Result(
        name, float(rate[1]), p50_us / 1000, p99_us / 1000, non_2xx, socket_errors, graphql_errors, hits, total
    )


def _lua_request(method: str, path: str | None, headers: dict[str, str], body: str | None) -> str:
    """A Lua table literal: JSON's escapes of these ASCII strings are Lua's too."""
    pairs = ", ".join(f"[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items())
    fields = [f"method = {json.dumps(method)}", f"headers = {{{pairs}}}"]
    fields += [f"path = {json.dumps(path)}"] if path is not None else []
    fields += [f"body = {json.dumps(body)}"] if body is not None else []
    return "{" + ", ".join(fields) + "}"
