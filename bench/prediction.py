"""Prediction calibration on held-out history: how often a case's real completion fell inside its predicted range.

    make bench-prediction                       # a fresh demo-scale database, dropped afterwards
    make bench-prediction ARGS="--scale seoul"  # 27,000 cases (seeding takes a minute or two)

Seeds a database (`bench.live.prepare`), computes the norms from the steps signed before a cut (`--held-out-days`
before now), then predicts, as of the cut, the completion of every case that was open at the cut, from its line
as it stood then (steps signed before the cut done, the step started before it under way), and compares with
when the case really closed. Reports, for the cases completed since the cut: how often the completion fell
inside the 80 % range (earliest–latest), before it and after it, the median error of `expected` in working
hours; how many cases got no reliable estimate and why; and how many were still open at the end (censored:
their completion is unknown, so the longest waits are under-represented).
"""

import argparse
import asyncio
import statistics
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench import live
from models import Case, CaseStatus, Step, StepDurationNorm, StepStatus
from openproc.database import create_engine, create_sessionmaker, resolve_url
from openproc.settings import Settings
from resolvers.oversight.prediction import PredictionOutlook, predict, refresh_norms
from resolvers.statutory_clock import working_hours_between
from resolvers.workflow.rows import holidays


def as_of(step: Step, cut: datetime) -> Step:
    """The step as it stood at `cut`."""
    if step.signed_at is not None and step.signed_at <= cut:
        status = StepStatus.SIGNED
    elif step.started_at is not None and step.started_at <= cut:
        status = StepStatus.IN_PROGRESS
    else:
        status = StepStatus.PENDING
    started = step.started_at if status is not StepStatus.PENDING else None
    return Step(sequence=step.sequence, status=status, role=step.role, started_at=started)


async def measure(url: str, held_out_days: int, min_samples: int) -> None:
    engine = create_engine(url, Settings(db_pool_size=2))
    sessions = create_sessionmaker(engine)
    cut = datetime.now(UTC) - timedelta(days=held_out_days)
    try:
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            await refresh_norms(session, min_samples, signed_before=cut)
        refreshed_s = time.perf_counter() - started
        async with sessions() as session:
            calendar = await holidays(session)
            norms: dict[int, list[StepDurationNorm]] = defaultdict(list)
            for norm in await session.scalars(select(StepDurationNorm)):
                norms[norm.task_type_id].append(norm)
            open_at_cut = (
                await session.scalars(
                    select(Case).where(Case.received_at < cut, (Case.closed_at.is_(None)) | (Case.closed_at > cut))
                )
            ).all()
            lines: dict[int, list[Step]] = defaultdict(list)
            for step in await session.scalars(
                select(Step).where(Step.case_id.in_([case.id for case in open_at_cut])).order_by(Step.sequence)
            ):
                lines[step.case_id].append(step)
    finally:
        await engine.dispose()

    outlooks: Counter[PredictionOutlook] = Counter()
    inside = before = after = censored = 0
    errors: list[float] = []
    for case in open_at_cut:
        if case.status in (CaseStatus.REJECTED, CaseStatus.WITHDRAWN):
            continue  # their end is not a completion to predict
        if case.closed_at is None:
            censored += 1
            continue
        then = Case(closed_at=None)
        predicted = predict(
            then, [as_of(step, cut) for step in lines[case.id]], norms[case.task_type_id], calendar, cut
        )
        outlooks[predicted.outlook] += 1
        span = predicted.range
        if span is None:
            continue
        closed = case.closed_at
        if closed < span.earliest_at:
            before += 1
        elif closed > span.latest_at:
            after += 1
        else:
            inside += 1
        early, late = sorted((span.expected_at, closed))
        errors.append(working_hours_between(early, late, calendar))
    predicted_count = inside + before + after
    print(
        f"cut {cut:%Y-%m-%d %H:%M} UTC ({held_out_days} days held out); norms from the steps signed before it,"
        f" refreshed in {refreshed_s:.1f} s"
    )
    completed = sum(outlooks.values())
    print(f"cases open at the cut: {len(open_at_cut):,}; completed since: {completed:,}; still open: {censored:,}")
    for outlook, count in outlooks.most_common():
        print(f"  {outlook.value:<20} {count:>7,}")
    if predicted_count:
        print(
            f"inside the 80 % range: {inside / predicted_count:.1%} ({inside:,} of {predicted_count:,}); "
            f"before it: {before / predicted_count:.1%}; after it: {after / predicted_count:.1%}"
        )
        print(f"expected vs real completion: median error {statistics.median(errors):.1f} working hours")


async def main(scale: str, held_out_days: int) -> None:
    settings = Settings()
    url = await live.prepare(resolve_url(settings), scale)
    try:
        await measure(url, held_out_days, settings.prediction_min_samples)
    finally:
        await live.drop(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", help="demo or seoul")
    parser.add_argument("--held-out-days", type=int, default=60, help="how far before now the cut is")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.scale, arguments.held_out_days))
