"""Growth benchmark: the two read queries at 1,000,000 cases stay within 1.5× of their `seoul`-scale latency.

    make bench-growth                    # or: .venv/bin/python -m bench.grow --cases 1000000 --seconds 15

1. Grow. `openproc_growth` is made as `CREATE DATABASE … TEMPLATE openproc_seoul` (PostgreSQL refuses while any
   other session is connected to the template, so it waits a little, then names those sessions and stops; it never
   ends them), then the template's cases are cloned in SQL until the database holds `--cases`: one copy per
   statement, with new ids (id + copy × the template's largest id), the receipt number suffixed `-C01`, `-C02`, …
   and every instant moved back by whole copies of the data's span (received_at's range, plus a day). The seoul
   cases stay the newest, so "newest first" finds the same rows at both scales and the comparison measures the
   cost of size (deeper indexes, a larger working set), not a different answer; older copies keep their statuses,
   so every status bucket grows with the table (37 times at 1,000,000) — the harder case for the status filter.
   Steps are cloned with their cases (same officers); with `--events`, their events too (what the audit rules
   read; `--grow-only` stops there, for `bench.oversight --no-round` on the grown database). The ledger, documents
   and the other case tables are left alone: the two queries do not read them. Then VACUUM ANALYZE, and a comment
   on the database records the size, so the next run reuses it (a database left half-grown is dropped and made
   again).
2. Measure. OPEN is started once over openproc_seoul and once over openproc_growth, each on a loopback port with
   no oversight rounds, no response cache and no rate limit, and each is loaded alone in turn with wrk
   (bench/wrk.py, as `make bench`) with the same connections and durations: the case detail over `--sample`
   receipt numbers drawn from the whole table, and the 50-case list for each status `make bench` uses. The scales
   alternate over `--rounds` rounds, so that other work on the machine falls on both; it prints the medians of
   requests/s, p50 and p99 and the ratio of p50 and p99 at growth to seoul (target ≤ 1.5).
3. Explain. EXPLAIN (ANALYZE, BUFFERS) of the statement the compiled read path sends for each query at the grown
   size, both as a custom and as a generic plan (asyncpg prepares statements, and PostgreSQL may switch a prepared
   statement to its generic plan after five runs), summarised to its scans. A Seq Scan on case or step fails it,
   and so does an index scan that filters out more than 100,000 rows (it walks the table as a Seq Scan would).
   The list is also explained for the statuses the load leaves out, one line each, as a warning only.

Every server it starts is stopped, even on failure; the results are also saved under bench/results/.
"""

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
from graphql.execution.values import get_variable_values

from bench.peer.__main__ import Server, running
from bench.peer.shape import Dialect
from bench.queries import CASE_DETAIL, CASE_LIST, LIST_STATUSES
from bench.wrk import LOOPBACK, Result, graphql, require_wrk, run_wrk
from models.enums import CaseStatus
from readpath.endpoint import Plans
from schema import schema

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
TEMPLATE, GROWTH = "openproc_seoul", "openproc_growth"
TARGET_RATIO = 1.5
MARKER = "bench/grow.py:"
# The growth must stay well under a quarter of an hour on two cores; a statement stuck longer than this has gone wrong.
STATEMENT_TIMEOUT_S = 300
BIG_TABLES = ("case", "step")
# An index scan that filters out this many rows walks a large part of the table: it scales like a Seq Scan.
WALK_ROWS = 100_000


@dataclass(frozen=True)
class Row:
    scale: str
    query: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    failures: int
    p50_ratio: float | None
    p99_ratio: float | None


@dataclass(frozen=True)
class Explained:
    label: str
    mode: str
    lines: list[str]
    execution_ms: float
    seq_scans: list[str]
    walks: list[str]
    # A list status outside the measured load: summarised in one line, and a warning rather than a failure.
    extra: bool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the grown database")
    parser.add_argument("--postgres", default=POSTGRES, help="the PostgreSQL server (loopback), without a database")
    parser.add_argument("--template", default=TEMPLATE, help="the seoul-scale database; only ever read")
    parser.add_argument("--database", default=GROWTH, help="the grown database (made, reused or remade)")
    parser.add_argument("--wait-template", type=float, default=60, help="seconds to wait for the template's sessions")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15, help="seconds of measured load per scale and query")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds over both scales; medians reported")
    parser.add_argument("--sample", type=int, default=200, help="receipt numbers the case detail rotates through")
    parser.add_argument("--seed", type=int, default=1999)
    parser.add_argument(
        "--events", action="store_true", help="clone the cases' events too (what the audit rules read, ~15 GB)"
    )
    parser.add_argument(
        "--grow-only", action="store_true", help="stop once grown (then e.g. bench.oversight --no-round on it)"
    )
    args = parser.parse_args()
    # A SIGTERM must run the `finally` blocks that stop the servers, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if urlparse(args.postgres).hostname not in LOOPBACK:
        sys.exit("bench/grow.py creates and loads databases on a loopback PostgreSQL only")
    if not args.grow_only:
        require_wrk()
    grow_s = asyncio.run(
        grow(args.postgres, args.template, args.database, args.cases, args.wait_template, events=args.events)
    )
    if args.grow_only:
        return

    print(
        f"\nloading OPEN on each database in turn, {args.rounds} rounds: {args.connections} connections, "
        f"{args.warmup} s warm-up then {args.seconds} s per query"
    )
    scales = {"seoul": f"{args.postgres}/{args.template}", f"{args.cases:,}": f"{args.postgres}/{args.database}"}
    results = measure(scales, args)
    rows = table(results, *scales)
    print_table(rows, args.rounds)

    print(f"\nplans of the compiled statements at {args.cases:,} cases (EXPLAIN ANALYZE, BUFFERS; second run)")
    explained = asyncio.run(explain(f"{args.postgres}/{args.database}"))
    saved = save(args, grow_s, results, rows, explained)
    print(f"\nsaved {saved.relative_to(ROOT)}")

    scaling = [
        (e, f"{e.label} ({e.mode} plan): {', '.join(e.seq_scans + e.walks)}")
        for e in explained
        if e.seq_scans + e.walks
    ]
    problems = [message for e, message in scaling if not e.extra]
    problems += [f"{row.scale} {row.query}: {row.failures} failed requests" for row in rows if row.failures]
    problems += [
        f"{row.query}: {name} {ratio:.2f}× the seoul latency (target ≤ {TARGET_RATIO})"
        for row in rows
        for name, ratio in (("p50", row.p50_ratio), ("p99", row.p99_ratio))
        if ratio is not None and ratio > TARGET_RATIO
    ]
    warnings = [message for e, message in scaling if e.extra]
    if warnings:
        print("WARNING, outside the measured load:\n  " + "\n  ".join(warnings))
    if problems:
        sys.exit("FAILED:\n  " + "\n  ".join(problems))
    print(f"both queries within {TARGET_RATIO}× of seoul at p50 and p99; their plans scan case and step by index")


# --- 1. grow ---------------------------------------------------------------------------------------------------


async def grow(postgres: str, template: str, database: str, cases: int, wait_s: float, *, events: bool) -> float:
    """Make `database` hold `cases` cases grown from `template` (or reuse it); returns the seconds it took."""
    started = time.monotonic()
    done = f"{MARKER} {cases} cases grown from {template}" + (" with their events" if events else "")
    admin = await asyncpg.connect(f"{postgres}/postgres")
    try:
        found = await admin.fetchrow(
            "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1", database
        )
        if found is not None and found["comment"] == done:
            print(f"reusing {database}: {done}")
            return 0.0
        if found is not None:
            # Only a database this script made is dropped; anything else of that name is someone's data.
            if not (found["comment"] or "").startswith(MARKER):
                sys.exit(f"{database} exists and was not made by bench/grow.py; drop it yourself or pass --database")
            print(f"dropping {database} ({found['comment']})")
            await admin.execute(f"DROP DATABASE {_ident(database)}", timeout=60)
        await _create_from_template(admin, template, database, wait_s)
        await admin.execute(f"COMMENT ON DATABASE {_ident(database)} IS {_text(f'{MARKER} growing')}")
    finally:
        await admin.close()
    print(f"created {database} from {template} in {time.monotonic() - started:.1f} s")

    connection = await asyncpg.connect(f"{postgres}/{database}")
    try:
        # A crash only loses a database that is remade anyway (its comment still says "growing").
        await connection.execute(f"SET synchronous_commit = off; SET statement_timeout = '{STATEMENT_TIMEOUT_S}s'")
        # The clones copy rows that satisfied their foreign keys, shifted together: checking each again (four per
        # event) would double the growth's time. A superuser setting, as is the loopback server this runs on.
        await connection.execute("SET session_replication_role = replica")
        await _clone(connection, cases, events)
        vacuum_started = time.monotonic()
        tables = ", ".join(_ident(table) for table in (*BIG_TABLES, *(["event"] if events else [])))
        # Vacuuming 15 million events takes longer than any statement of the cloning may.
        await connection.execute("SET statement_timeout = 0")
        await connection.execute(f"VACUUM ANALYZE {tables}")
        print(f"VACUUM ANALYZE {tables}: {time.monotonic() - vacuum_started:.1f} s")
        await connection.execute(f"COMMENT ON DATABASE {_ident(database)} IS {_text(done)}")
        steps = await connection.fetchval("SELECT count(*) FROM step")
    finally:
        await connection.close()
    took = time.monotonic() - started
    print(f"grew {database} to {cases:,} cases and {steps:,} steps in {took:.0f} s ({took / 60:.1f} min)")
    return took


async def _create_from_template(admin: asyncpg.Connection, template: str, database: str, wait_s: float) -> None:
    """CREATE DATABASE … TEMPLATE, which PostgreSQL refuses while anyone else is connected to the template."""
    deadline = time.monotonic() + wait_s
    while True:
        sessions = await admin.fetch(
            "SELECT pid, usename, application_name, client_addr, state, backend_start FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            template,
        )
        if not sessions:
            try:
                await admin.execute(f"CREATE DATABASE {_ident(database)} TEMPLATE {_ident(template)}", timeout=600)
                return
            except asyncpg.ObjectInUseError:
                pass  # someone connected between the look and the copy: wait like for the others
        if time.monotonic() > deadline:
            listed = "\n".join(
                f"  pid {s['pid']} {s['usename']} {s['application_name'] or '-'} from {s['client_addr'] or 'socket'}, "
                f"{s['state']}, since {s['backend_start']:%H:%M:%S}"
                for s in sessions
            )
            sys.exit(
                f"cannot copy {template}: PostgreSQL copies a template only while nobody else is connected to it, "
                f"and these sessions stayed for {wait_s:.0f} s:\n{listed or '  (one that has just left)'}\n"
                "Stop them (a server or psql on the seoul data, make bench-peer) and run again; this script never "
                "ends other sessions."
            )
        print(f"waiting for {len(sessions)} session(s) on {template} to close (CREATE DATABASE needs it alone)")
        await asyncio.sleep(2)


async def _clone(connection: asyncpg.Connection, cases: int, events: bool) -> None:
    source = await connection.fetchrow(
        "SELECT count(*) AS count, max(id) AS last_id, max(char_length(receipt_no)) AS longest, "
        "(SELECT max(id) FROM step) AS last_step, (SELECT max(seq) FROM event) AS last_seq, "
        'max(received_at) - min(received_at) AS span FROM "case"'
    )
    assert source is not None
    have, stride = int(source["count"]), int(source["last_id"])
    step_stride, seq_stride = int(source["last_step"]), int(source["last_seq"] or 0)
    if cases < have:
        sys.exit(f"--cases {cases:,} is below the template's {have:,} cases")
    copies = math.ceil((cases - have) / have)
    # Whole days longer than the received_at range, so that no copy's cases interleave with the next newer copy's.
    shift = timedelta(days=source["span"].days + 1)
    suffix_width = max(2, len(str(copies)))
    if int(source["longest"]) + 2 + suffix_width > 32:
        sys.exit("receipt numbers plus a copy suffix would not fit receipt_no's 32 characters")
    case_insert, step_insert, event_insert = await _clone_statements(connection)
    print(
        f"cloning {have:,} cases (and their steps{' and events' if events else ''}) {copies} times, each copy "
        f"{shift.days} days older than the last, up to {cases:,} cases"
    )
    started = time.monotonic()
    for copy in range(1, copies + 1):
        count = min(have, cases - have * copy)
        # The source cases of this copy: the template's first `count` by id (all of them but in the last copy).
        last = await connection.fetchval(
            'SELECT id FROM "case" WHERE id <= $1 ORDER BY id OFFSET $2 LIMIT 1', stride, count - 1
        )
        copy_started = time.monotonic()
        async with connection.transaction():
            offset, older, step_offset = copy * stride, shift * copy, copy * step_stride
            made = await connection.execute(case_insert, offset, f"-C{copy:0{suffix_width}d}", older, last)
            steps = await connection.execute(step_insert, offset, older, last, step_offset)
            cloned = (
                await connection.execute(event_insert, offset, older, last, step_offset, copy * seq_stride)
                if events
                else None
            )
        also = "" if cloned is None else f", {int(cloned.split()[-1]):,} events"
        print(
            f"  copy {copy}/{copies}: {int(made.split()[-1]):,} cases, {int(steps.split()[-1]):,} steps{also} in "
            f"{time.monotonic() - copy_started:.1f} s ({have + have * (copy - 1) + count:,} cases, "
            f"{time.monotonic() - started:.0f} s so far)",
            flush=True,
        )
    # Later inserts through the application take ids from the sequences: move them past the clones.
    for table in BIG_TABLES:
        sequence = f"pg_get_serial_sequence({_text(_ident(table))}, 'id')"
        await connection.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {_ident(table)}))")


async def _clone_statements(connection: asyncpg.Connection) -> tuple[str, str, str]:
    """The INSERT … SELECT of one copy's cases, steps and events, over every stored column the catalog lists.

    Reading the columns keeps the clone whole when a migration adds one, and moves every instant with its case.
    Parameters: case $1 id offset, $2 receipt suffix, $3 age, $4 last source id; step $1 case id offset, $2 age,
    $3 last case id, $4 step id offset; event the step's and $5 sequence offset. Events keep their payloads (which
    name the source case) and get no ledger leaves: the clone is for reading, never for verifying.
    """

    async def columns(table: str) -> list[tuple[str, str]]:
        rows = await connection.fetch(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
            table,
        )
        return [(row["column_name"], row["data_type"]) for row in rows]

    def moved(name: str, data_type: str, age: str) -> str:
        return f"{_ident(name)} - {age}" if data_type.startswith("timestamp") else _ident(name)

    case_names, case_values = [], []
    for name, data_type in await columns("case"):
        case_names.append(_ident(name))
        case_values.append(
            {"id": "id + $1", "receipt_no": "receipt_no || $2::text"}.get(name)
            or moved(name, data_type, "$3::interval")
        )
    shifted = {"case_id": "case_id + $1", "id": "id + $4", "step_id": "step_id + $4", "seq": "seq + $5"}
    step_names, step_values = [], []
    for name, data_type in await columns("step"):
        step_names.append(_ident(name))
        step_values.append(shifted.get(name) or moved(name, data_type, "$2::interval"))
    event_names, event_values = [], []
    for name, data_type in await columns("event"):
        event_names.append(_ident(name))
        event_values.append(shifted.get(name) or moved(name, data_type, "$2::interval"))
    return (
        f'INSERT INTO "case" ({", ".join(case_names)}) SELECT {", ".join(case_values)} FROM "case" '
        "WHERE id <= $4::int ORDER BY id",
        f"INSERT INTO step ({', '.join(step_names)}) SELECT {', '.join(step_values)} FROM step "
        "WHERE case_id <= $3::int ORDER BY case_id, sequence",
        f"INSERT INTO event ({', '.join(event_names)}) SELECT {', '.join(event_values)} FROM event "
        "WHERE case_id <= $3::int ORDER BY seq",
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- 2. measure ------------------------------------------------------------------------------------------------


def measure(scales: dict[str, str], args: argparse.Namespace) -> dict[tuple[str, str], list[Result]]:
    """wrk results by (scale, query), one per round; `scales` maps a scale's name to its database URL."""
    bodies = {scale: _bodies(url, args) for scale, url in scales.items()}
    results: dict[tuple[str, str], list[Result]] = {}
    # One server per database, both up for the whole measurement and loaded one at a time (an idle server costs
    # nothing). Rounds alternate the scales, so a neighbour's load on this shared machine falls on both alike.
    with ExitStack() as stack:
        endpoints = {scale: f"{stack.enter_context(running(_server(url)))}/graphql" for scale, url in scales.items()}
        for scale, endpoint in endpoints.items():
            _check(scale, endpoint, bodies[scale])
        for round_ in range(args.rounds):
            order = list(scales) if round_ % 2 == 0 else list(reversed(scales))
            for scale in order:
                for name, queries in bodies[scale].items():
                    run_wrk(endpoints[scale], name, queries, args.connections, args.warmup)
                    result = run_wrk(endpoints[scale], name, queries, args.connections, args.seconds)
                    results.setdefault((scale, name), []).append(result)
                    print(
                        f"  round {round_ + 1}, {scale}, {name}: {result.requests_per_s:.0f} requests/s, "
                        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms",
                        flush=True,
                    )
    return results


def _bodies(url: str, args: argparse.Namespace) -> dict[str, list[str]]:
    numbers = asyncio.run(_sample(url, args.sample, args.seed))
    return {
        "case detail": [json.dumps({"query": CASE_DETAIL, "variables": {"receiptNo": number}}) for number in numbers],
        "50-case list": [
            json.dumps({"query": CASE_LIST, "variables": {"status": [status]}}) for status in LIST_STATUSES
        ],
    }


def _server(url: str) -> Server:
    return Server(
        "OPEN",
        Dialect.OPEN,
        [str(ROOT / ".venv" / "bin" / "openproc"), "serve", "--no-demo", "--host", "127.0.0.1", "--port", "{port}"],
        {
            "DATABASE_URL": url,
            "COMPILED_READS": "true",
            # The database answers every request (no cached answers), no oversight round competes for the CPU,
            # logs stay quiet and no rate limit applies to the load generator.
            "RESPONSE_CACHE_S": "0",
            "OVERSIGHT_INTERVAL_S": "0",
            "LOG_LEVEL": "warning",
            "RATE_ANONYMOUS_PER_MINUTE": "100000000",
        },
        "/readyz",
    )


def _check(scale: str, endpoint: str, bodies: dict[str, list[str]]) -> None:
    """Every body once, before the load: an error would make the numbers meaningless."""
    for body in (body for queries in bodies.values() for body in queries):
        request = json.loads(body)
        data = graphql(endpoint, request["query"], request["variables"])
        if "case" in data and not (data["case"] and data["case"]["steps"]):
            sys.exit(f"{scale}: case {request['variables']} came back without steps: {data}")


async def _sample(url: str, count: int, seed: int) -> list[str]:
    """Receipt numbers drawn from the whole table, so that at growth nearly all are clones, not the seoul cases."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch('SELECT receipt_no FROM "case" ORDER BY receipt_no')
    finally:
        await connection.close()
    return random.Random(seed).sample([row["receipt_no"] for row in rows], min(count, len(rows)))


def table(results: dict[tuple[str, str], list[Result]], base: str, grown: str) -> list[Row]:
    """The median of the rounds for each scale and query, and growth over seoul."""

    def median(scale: str, query: str, value: Callable[[Result], float]) -> float:
        return statistics.median(value(result) for result in results[scale, query])

    rows = []
    for scale, query in results:
        p50, p99 = median(scale, query, lambda r: r.p50_ms), median(scale, query, lambda r: r.p99_ms)
        grew = scale == grown
        rows.append(
            Row(
                scale,
                query,
                round(median(scale, query, lambda r: r.requests_per_s), 1),
                round(p50, 2),
                round(p99, 2),
                sum(result.failures for result in results[scale, query]),
                round(p50 / median(base, query, lambda r: r.p50_ms), 2) if grew else None,
                round(p99 / median(base, query, lambda r: r.p99_ms), 2) if grew else None,
            )
        )
    return sorted(rows, key=lambda row: (row.query, row.scale != base))


def print_table(rows: list[Row], rounds: int) -> None:
    print(
        f"\n{'scale':<12}{'query':<14}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}{'p50 ×':>8}{'p99 ×':>8}"
    )
    for row in rows:
        ratios = "".join("       -" if ratio is None else f"{ratio:>8.2f}" for ratio in (row.p50_ratio, row.p99_ratio))
        print(
            f"{row.scale:<12}{row.query:<14}{row.requests_per_s:>12.1f}{row.p50_ms:>9.2f}{row.p99_ms:>9.2f}"
            f"{row.failures:>8}{ratios}"
        )
    print(f"(medians of {rounds} rounds; × is growth over seoul, target ≤ {TARGET_RATIO})")


# --- 3. explain ------------------------------------------------------------------------------------------------


async def explain(url: str) -> list[Explained]:
    plans = Plans(schema.graphql_schema)
    connection = await asyncpg.connect(url)
    try:
        # The case deepest in the clones: the oldest copy's oldest case.
        oldest = await connection.fetchval('SELECT receipt_no FROM "case" ORDER BY received_at, id LIMIT 1')
        queries = [(f"case detail {oldest}", CASE_DETAIL, {"receiptNo": oldest})] + [
            (f"50-case list {status}", CASE_LIST, {"status": [status]}) for status in LIST_STATUSES
        ]
        # The same list for the statuses the load leaves out: a status rare among the newest cases makes a
        # newest-first scan walk far back, which only shows at size.
        extras = [
            (f"50-case list {status.name}", CASE_LIST, {"status": [status.name]})
            for status in CaseStatus
            if status.name not in LIST_STATUSES
        ]
        explained = []
        for label, document, variables in queries + extras:
            compiled = plans.get(document, None)
            if compiled is None:
                sys.exit(f"the compiled read path does not answer the {label} query: nothing to explain")
            values = get_variable_values(plans.schema, compiled.operation.variable_definitions or (), variables)
            if isinstance(values, list):
                sys.exit(f"{label}: variables refused: {values}")
            statement = compiled.statement(values)
            for mode in ("custom", "generic"):
                extra = (label, document, variables) in extras
                explained.append(await _explain(connection, label, mode, statement.sql, statement.params, extra))
                _print_explained(explained[-1])
    finally:
        await connection.close()
    return explained


async def _explain(
    connection: asyncpg.Connection, label: str, mode: str, sql: str, params: list[Any], extra: bool
) -> Explained:
    """The plan of `sql` as the server runs it: a prepared statement, custom or generic plan, warm cache."""
    # EXPLAIN takes no bind parameters, so the statement is PREPAREd and EXECUTEd with literals PostgreSQL quotes.
    types = dict(re.findall(r"\$(\d+)::([a-z_]+(?:\[\])?)", sql))
    literals = []
    for number, value in enumerate(params, 1):
        if str(number) not in types:
            sys.exit(f"{label}: parameter ${number} has no cast in the compiled SQL; cannot explain it")
        quoted = await connection.fetchval(f"SELECT quote_nullable($1::{types[str(number)]})", value)
        literals.append(f"{quoted}::{types[str(number)]}")
    await connection.execute(f"SET plan_cache_mode = force_{mode}_plan; PREPARE growth_explain AS {sql}")
    try:
        query = f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE growth_explain({', '.join(literals)})"
        # The first run reads cold pages; the second is the one a loaded server sees.
        await connection.fetchval(query, timeout=60)
        output = json.loads(await connection.fetchval(query, timeout=60))[0]
    finally:
        await connection.execute("DEALLOCATE growth_explain; RESET plan_cache_mode")
    lines, seq_scans, walks = [], [], []
    for depth, node in _nodes(output["Plan"], 0):
        kind = node["Node Type"]
        relation = node.get("Relation Name")
        if "Scan" not in kind and "Sort" not in kind:
            continue
        # EXPLAIN gives rows removed per loop.
        removed = (node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)) * node[
            "Actual Loops"
        ]
        if kind == "Seq Scan" and relation in BIG_TABLES:
            seq_scans.append(f"Seq Scan on {relation}")
        elif relation in BIG_TABLES and removed > WALK_ROWS:
            walks.append(f"{kind} on {relation} filters out {removed:,} rows")
        if extra and relation != "case":
            continue
        line = "  " * depth + kind + (" Backward" if node.get("Scan Direction") == "Backward" else "")
        line += f" using {node['Index Name']}" if "Index Name" in node else ""
        line += f" on {relation}" if relation else f" on {node['CTE Name']}" if "CTE Name" in node else ""
        line += f"  rows={node['Actual Rows']} loops={node['Actual Loops']}"
        line += f" removed={removed}" if removed else ""
        line += f" sort={node['Sort Method']}" if "Sort Method" in node else ""
        lines.append(line)
    top = output["Plan"]
    lines.append(
        f"buffers hit={top.get('Shared Hit Blocks', 0)} read={top.get('Shared Read Blocks', 0)}, "
        f"planning {output['Planning Time']:.2f} ms, execution {output['Execution Time']:.2f} ms"
    )
    if extra:
        lines = [f"{lines[0].strip() if lines else 'no scan on case'}; execution {output['Execution Time']:.2f} ms"]
    return Explained(label, mode, lines, output["Execution Time"], seq_scans, walks, extra)


def _nodes(node: dict[str, Any], depth: int) -> Iterator[tuple[int, dict[str, Any]]]:
    yield depth, node
    for child in node.get("Plans", []):
        yield from _nodes(child, depth + 1)


def _print_explained(explained: Explained) -> None:
    if explained.extra:
        print(f"{explained.label} ({explained.mode} plan): {explained.lines[0]}")
        return
    print(f"\n{explained.label} ({explained.mode} plan)")
    for line in explained.lines:
        print(f"  {line}")


def save(
    args: argparse.Namespace,
    grow_s: float,
    results: dict[tuple[str, str], list[Result]],
    rows: list[Row],
    explained: list[Explained],
) -> Path:
    RESULTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS / f"growth-{now:%Y%m%dT%H%M%SZ}.json"
    run = {
        "measured_at": now.isoformat(),
        "template": args.template,
        "database": args.database,
        "cases": args.cases,
        "grow_s": round(grow_s, 1),
        "connections": args.connections,
        "warmup_s": args.warmup,
        "duration_s": args.seconds,
        "sampled_cases": args.sample,
        "list_statuses": list(LIST_STATUSES),
        "cpus": os.cpu_count(),
        "rounds": args.rounds,
        "rows": [asdict(row) for row in rows],
        "each_round": [{"scale": scale, **asdict(result)} for (scale, _), runs in results.items() for result in runs],
        "plans": [asdict(item) for item in explained],
    }
    path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    main()
