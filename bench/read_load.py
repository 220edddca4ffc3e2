"""Read benchmark: loads a running OPEN server with the case detail, the 50-case list, a page of the officers'
directory and the task list.

    make run                # in one terminal (or any server; --url to point elsewhere)
    make bench              # in another: prints requests/s, p50 and p99 for each query

It uses wrk (Debian's `wrk` package) so that the load generator costs the server as little CPU as possible.
Every request body is checked once for errors before the load starts. Loopback targets only.
`make bench-peer` runs the same queries against PostGraphile and a hand-written asyncpg baseline.
"""

import argparse
import json
import sys

from bench.queries import CASE_DETAIL, CASE_LIST, LIST_STATUSES, OFFICERS_PAGE, RECEIPT_NUMBERS, TASK_LIST
from bench.wrk import graphql, require_loopback, require_wrk, run_wrk
from openproc.settings import Settings


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


def officer_pages(url: str, count: int = 20) -> list[str | None]:
    """The `after` of the directory's first `count` pages (None: the first)."""
    afters: list[str | None] = [None]
    while len(afters) < count:
        page = graphql(url, OFFICERS_PAGE, {"after": afters[-1]})["officers"]["pageInfo"]
        if not page["hasNextPage"]:
            break
        afters.append(page["endCursor"])
    return afters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    served = Settings()
    parser.add_argument("--url", default=f"http://{served.host}:{served.port}/graphql", help="default: HOST, PORT")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    require_loopback(args.url)
    require_wrk()

    numbers = receipt_numbers(args.url, 200)
    detail = [json.dumps({"query": CASE_DETAIL, "variables": {"receiptNo": number}}) for number in numbers]
    listing = [json.dumps({"query": CASE_LIST, "variables": {"status": [status]}}) for status in LIST_STATUSES]
    pages = officer_pages(args.url)
    directory = [json.dumps({"query": OFFICERS_PAGE, "variables": {"after": after}}) for after in pages]
    task_list = [json.dumps({"query": TASK_LIST, "variables": {}})]
    for body in (detail[0], *listing, *directory, *task_list):
        parsed = json.loads(body)
        graphql(args.url, parsed["query"], parsed["variables"])

    print(f"OPEN read benchmark: {args.url}, {args.connections} connections, {args.seconds} s each")
    print(f"{'query':<14}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
    loads = (("case detail", detail), ("50-case list", listing), ("officers page", directory), ("task list", task_list))
    for name, bodies in loads:
        run_wrk(args.url, name, bodies, args.connections, args.warmup)
        result = run_wrk(args.url, name, bodies, args.connections, args.seconds)
        print(
            f"{result.name:<14}{result.requests_per_s:>12.1f}{result.p50_ms:>10.1f}{result.p99_ms:>10.1f}"
            f"{result.failures:>8}"
        )
        if result.failures:
            if result.non_2xx:
                print("answers other than 200: 429s mean the server's RATE_ANONYMOUS_PER_MINUTE must be raised")
            sys.exit(1)


if __name__ == "__main__":
    main()
