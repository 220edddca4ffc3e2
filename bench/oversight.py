"""Oversight benchmark: the dashboard queries at the `seoul` scale (27,000 cases, 131,000 steps, 412,000 events).

    make bench-oversight     # or: DATABASE_URL=… .venv/bin/python -m bench.oversight [--repeat 30]

Needs a database seeded at that scale (`openproc seed --scale seoul --reset`, DATABASE_URL pointing at it). Runs
one oversight round first (timed: on fresh seed data it reports every historic delay and fills every signed step's
held days), vacuums what it wrote (as autovacuum does within a minute of a round that rewrote that many rows; the
queries are timed as they run from then on), then runs each query `--repeat` times through the schema (parse,
validate, resolve, SQL), one at a time, and prints p50 and p95 milliseconds: the dashboards anonymously, each
cyber-audit rule as an auditor (a token issued for the run and revoked after it).

At 1,000,000 cases: `python -m bench.grow --events --grow-only --template <the seoul database>` clones its cases,
steps and events into openproc_growth (~10 minutes), then `DATABASE_URL=…/openproc_growth python -m
bench.oversight --no-round --repeat 5` stores what a round stores (the steps' held days, the verdicts of the
history-only audit rules, the ranking's monthly figures: ~8 minutes the first time), as a database whose rounds
have run has them, compacts the step and case tables that rewrote, then times the same queries (no delay check: it
would report every clone's delays).
"""

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Case, CaseStatus, Officer, OfficerRole
from openproc.database import create_engine, create_sessionmaker, resolve_url
from openproc.memory import settle
from openproc.oversight import run_round
from openproc.settings import Settings
from resolvers import audit, durations
from resolvers.audit import AuditRule
from resolvers.auth import create_token, revoke_token
from resolvers.dataloaders import Sessions
from resolvers.oversight import ranking
from schema import schema
from schema.time import SEOUL

QUERIES = {
    "statistics, city, monthly series over a year": """
      query ($from: DateTime!, $to: DateTime!) { statistics(from: $from, to: $to, period: MONTH) {
        openNow overdueNow totals { received onTimeRate medianProcessingDays p90ProcessingDays returns }
        series { periodStart received closed onTimeRate medianProcessingDays }
        stepDurations { role medianHours } } }""",
    "statistics, by task type, over a year": """
      query ($from: DateTime!, $to: DateTime!) { statistics(groupBy: TASK_TYPE, from: $from, to: $to) {
        taskType { code } openNow overdueNow
        totals { received onTimeRate medianProcessingDays p90ProcessingDays } } }""",
    "statistics, by department, monthly": """
      query ($from: DateTime!, $to: DateTime!) { statistics(groupBy: DEPARTMENT, from: $from, to: $to, period: MONTH,
        first: 100) { department { name } totals { received onTimeRate } series { periodStart received } } }""",
    "statistics, by officer, monthly (top 100)": """
      query ($from: DateTime!, $to: DateTime!) { statistics(groupBy: OFFICER, from: $from, to: $to, period: MONTH,
        first: 100) { officer { name } totals { received onTimeRate } series { periodStart received } } }""",
    "statistics, by officer (top 100)": """
      query ($from: DateTime!, $to: DateTime!) { statistics(groupBy: OFFICER, from: $from, to: $to, first: 100) {
        officer { name } openNow totals { received onTimeRate } } }""",
    "every department's backlog now (one query)": """
      query ($from: DateTime!, $to: DateTime!) { statistics(groupBy: DEPARTMENT, from: $from, to: $to, first: 500) {
        department { name } openNow overdueNow lateStepsNow } }""",
    "cases overdue now, first page with total": """
      { cases(filter: { overdueNow: true }, orderBy: DUE_AT_ASC, first: 20) {
        totalCount edges { node { receiptNo dueAt } } } }""",
    "officer ranking, last month": """
      query ($month: String!) { officerRanking(month: $month) { rank officer { name } timelyRate entries } }""",
    "late steps, first page with total": """
      { lateSteps(first: 20) { totalCount edges { node { name dueAt officer { name } case { receiptNo } } } } }""",
    "delay history, first page with total": """
      { delays(first: 20) { totalCount edges { node { kind dueAt lagHours case { receiptNo } } } } }""",
    "case with clock and prediction": """
      query ($receiptNo: String!) { case(receiptNo: $receiptNo) {
        clock { state usedDays leftDays } predictionOutlook
        prediction { expectedAt earliestAt latestAt samples } } }""",
}
# What a round writes.
ROUND_TABLES = '"case", step, delay, delay_entry, event, officer_month'
# Each cyber-audit rule's first page with its total, as an auditor's dashboard opens it.
AUDIT = """
  query ($rule: AuditRule!) { auditFindings(rule: $rule, first: 20) {
    totalCount edges { node { detail case { receiptNo } officer { name } events { sequence } } } } }"""


async def first_round(engine: AsyncEngine, sessions: Sessions, settings: Settings) -> None:
    """The round, timed, then a vacuum of what it wrote."""
    started = time.perf_counter()
    done = await run_round(sessions, settings.policy(), settings.prediction_min_samples)
    print(
        f"oversight round: {time.perf_counter() - started:.1f} s ({done.delays.processing:,} processing and "
        f"{done.delays.input:,} input delays, {done.milestones} milestones reported)"
    )
    await vacuum(engine)


async def stored_figures(engine: AsyncEngine, sessions: Sessions, settings: Settings) -> None:
    """What a round stores (durations and audit verdicts on the rows, the ranking's monthly figures), timed, without
    the rest of the round; then the step and case tables compacted: filling a grown database rewrites most of their
    rows at once, which a live database does a few rows at a time, reusing the space."""
    started = time.perf_counter()
    filled = await durations.fill(sessions)
    judged = await audit.judge(sessions)
    await ranking.refresh(sessions, settings.policy().input_delay_hours)
    print(f"stored figures: {time.perf_counter() - started:.1f} s ({filled:,} durations filled, {judged:,} verdicts)")
    await vacuum(engine, "FULL", '"case", step')
    # A rewritten table has no page marked all-visible: index-only scans would read the table again.
    await vacuum(engine)


async def vacuum(engine: AsyncEngine, options: str = "ANALYZE", tables: str = ROUND_TABLES) -> None:
    started = time.perf_counter()
    async with engine.connect() as connection:
        vacuuming = await connection.execution_options(isolation_level="AUTOCOMMIT")
        # At 1,000,000 cases the rows a round rewrote take longer to vacuum than the API's statement timeout.
        await vacuuming.execute(text("SET statement_timeout = 0"))
        await vacuuming.execute(text(f"VACUUM ({options}) {tables}"))
    print(f"vacuumed ({options}) what the round wrote: {time.perf_counter() - started:.1f} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main(repeat: int, round_first: bool) -> None:
    settings = Settings()
    engine = create_engine(resolve_url(settings), settings.model_copy(update={"db_pool_size": 4}))
    sessions = create_sessionmaker(engine)
    try:
        if round_first:
            await first_round(engine, sessions, settings)
        else:
            await stored_figures(engine, sessions, settings)
        async with sessions() as session:
            open_case = await session.scalar(select(Case.receipt_no).where(Case.status == CaseStatus.IN_PROGRESS))
        now = datetime.now(SEOUL)
        last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        variables = {
            "from": (now - timedelta(days=365)).isoformat(),
            "to": now.isoformat(),
            "month": last_month,
            "receiptNo": open_case,
        }
        async with sessions() as session, session.begin():
            auditor = await session.scalar(select(Officer.employee_no).where(Officer.role == OfficerRole.AUDITOR))
            assert auditor is not None, "the seed has auditors"
            token, issued = await create_token(session, auditor, days=1, label="bench-oversight")
        runs: list[tuple[str, str, dict[str, str | None], str | None]]
        runs = [(name, query, variables, None) for name, query in QUERIES.items()]
        runs += [(f"audit {rule.name}, first page with total", AUDIT, {"rule": rule.name}, token) for rule in AuditRule]
        # As a server does before it serves: otherwise every full collection walks the schema and the mappers, a
        # pause of about 120 ms every ten runs of an audit page.
        settle()
        print(f"{'query':<48} {'p50 ms':>8} {'p95 ms':>8}   ({repeat} runs each, {datetime.now(UTC):%Y-%m-%d})")
        failed = []
        for name, query, given, bearer in runs:
            timings = []
            for _ in range(repeat):
                begun = time.perf_counter()
                result = await schema.execute(
                    query, variable_values=given, context_value=Settings().context(sessions, token=bearer)
                )
                timings.append((time.perf_counter() - begun) * 1000)
                if result.errors:
                    # Masked, as a client sees it; the log above says why (a statement timeout, at 1,000,000).
                    print(f"{name:<48} failed after {timings[-1]:,.0f} ms: {result.errors[0].message}")
                    failed.append(name)
                    break
            else:
                print(f"{name:<48} {percentile(timings, 0.5):>8.1f} {percentile(timings, 0.95):>8.1f}")
        async with sessions() as session, session.begin():
            await revoke_token(session, issued.id)
    finally:
        await engine.dispose()
    if failed:
        sys.exit(f"{len(failed)} queries failed: {', '.join(failed)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="Runs of each query (bounded).")
    parser.add_argument(
        "--no-round",
        dest="round_first",
        action="store_false",
        help=(
            "No delay check (it would report every clone's delays), only what a round stores on the rows: for a "
            "database grown by bench.grow --events, whose clones no round has seen."
        ),
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.repeat, arguments.round_first))
