"""Read benchmark: loads a running OPEN server with the case-detail query and the 50-case list.

    make run                # in one terminal (or any server; --url to point elsewhere)
    make bench              # in another: prints requests/s, p50 and p99 for each query

It uses wrk (Debian's `wrk` package) so that the load generator costs the server as little CPU as possible.
Every request body is checked once for errors before the load starts. Loopback targets only.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from bench.queries import CASE_DETAIL, CASE_LIST, RECEIPT_NUMBERS

LUA = """
local bodies = {BODIES}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(i % #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    failures: int


def graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload: dict[str, Any] = json.load(response)
    if payload.get("errors"):
        raise SystemExit(f"the server answered with errors: {payload['errors']}")
    return payload["data"]  # type: ignore[no-any-return]


def receipt_numbers(url: str, count: int) -> list[str]:
    numbers: list[str] = []
    after = None
    while len(numbers) < count:
        page = graphql(url, RECEIPT_NUMBERS, {"after": after})["cases"]
        numbers += [edge["node"]["receiptNo"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["edges"]:
            break
    return numbers[:count]


def run_wrk(url: str, name: str, bodies: list[str], connections: int, seconds: int) -> Result:
    lua = LUA.replace("{BODIES}", "{" + ",".join(json.dumps(body) for body in bodies) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()
        output = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name, url],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not found or not rate:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    _, status_errors, socket_errors, p50_us, p99_us = (int(value) for value in found.groups())
    return Result(name, float(rate[1]), p50_us / 1000, p99_us / 1000, status_errors + socket_errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load is only ever sent to a loopback address")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    numbers = receipt_numbers(args.url, 200)
    detail = [json.dumps({"query": CASE_DETAIL, "variables": {"receiptNo": number}}) for number in numbers]
    listing = [
        json.dumps({"query": CASE_LIST, "variables": {"status": [status]}})
        for status in ("COMPLETED", "IN_PROGRESS", "REJECTED")
    ]
    for body in (detail[0], *listing):
        parsed = json.loads(body)
        graphql(args.url, parsed["query"], parsed["variables"])

    print(f"OPEN read benchmark: {args.url}, {args.connections} connections, {args.seconds} s each")
    print(f"{'query':<14}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
    for name, bodies in (("case detail", detail), ("50-case list", listing)):
        run_wrk(args.url, name, bodies, args.connections, args.warmup)
        result = run_wrk(args.url, name, bodies, args.connections, args.seconds)
        print(
            f"{result.name:<14}{result.requests_per_s:>12.1f}{result.p50_ms:>10.1f}{result.p99_ms:>10.1f}"
            f"{result.failures:>8}"
        )
        if result.failures:
            sys.exit(1)


if __name__ == "__main__":
    main()
