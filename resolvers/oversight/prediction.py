"""Predicted completion of open cases, in working hours, from how long each remaining step took before.

The norms are the 0th, 5th, …, 100th percentiles (`QUANTILES`) of the working hours from start to signature of
every signed step of the same task type and sequence, refreshed in one statement by the oversight loop (steps
signed fewer than PREDICTION_MIN_SAMPLES times get none), so a prediction costs a lookup, not a scan of history.

A case's range puts every remaining step at the same percentile: the 10th for `earliest`, the 50th for
`expected`, the 90th for `latest` (a case slow at one step tends to be slow at the next). The step under way is
predicted from the past steps that took longer than it has taken so far: its duration's percentiles given the
hours already used. Each total is laid on the working calendar, so a predicted completion falls in office hours.
`bench/prediction.py` measures on held-out history how often the real completion fell inside the range.

No dates are invented: while the case waits for the applicant, when a remaining step has too little history,
or when the step under way has taken longer than nine in ten of its kind before, the answer says so instead.
"""

from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Float, delete, func, select
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, DelayWatermark, Step, StepDurationNorm, StepStatus
from resolvers.statutory_clock import add_working_hours, working_hours_between
from resolvers.working_time import working_hours

QUANTILES = tuple(round(index / 20, 2) for index in range(21))
RANGE = (0.1, 0.5, 0.9)
DONE = (StepStatus.SIGNED, StepStatus.SKIPPED)


class PredictionOutlook(StrEnum):
    """Whether a completion can be predicted, and why not."""

    PREDICTED = "predicted"
    CLOSED = "closed"
    AWAITING_CLOSURE = "awaiting_closure"
    AWAITING_APPLICANT = "awaiting_applicant"
    TOO_LITTLE_HISTORY = "too_little_history"
    BEYOND_HISTORY = "beyond_history"


@dataclass(frozen=True)
class CompletionRange:
    earliest_at: datetime
    expected_at: datetime
    latest_at: datetime
    # The fewest past signatures any remaining step's figures rest on.
    samples: int


@dataclass(frozen=True)
class Prediction:
    outlook: PredictionOutlook
    # Only when `outlook` is PREDICTED.
    range: CompletionRange | None = None


async def refresh_norms(session: AsyncSession, min_samples: int, signed_before: datetime | None = None) -> None:
    """Recompute every norm from the signed history (only what was signed before `signed_before`, if given)."""
    hours = working_hours(Step.started_at, Step.signed_at)
    history = (
        select(
            Case.task_type_id,
            Step.sequence,
            func.count(),
            func.percentile_cont(array(QUANTILES, type_=Float)).within_group(hours),
            func.now(),
        )
        .join(Case, Case.id == Step.case_id)
        .where(Step.status == StepStatus.SIGNED, Step.started_at.is_not(None))
        .group_by(Case.task_type_id, Step.sequence)
        .having(func.count() >= min_samples)
    )
    if signed_before is not None:
        history = history.where(Step.signed_at < signed_before)
    # Replicas run rounds too: the watermark row makes them take turns (two replacing the norms at once collided on
    # the rows the other inserted).
    await session.get(DelayWatermark, 1, with_for_update=True)
    await session.execute(delete(StepDurationNorm))
    await session.execute(
        insert(StepDurationNorm).from_select(
            ["task_type_id", "sequence", "samples", "quantile_hours", "refreshed_at"], history
        )
    )


def _quantile(hours: Sequence[float], level: float) -> float:
    """The duration at `level` (0–1), interpolated between the stored percentiles."""
    position = level * (len(hours) - 1)
    below = min(int(position), len(hours) - 2)
    return hours[below] + (hours[below + 1] - hours[below]) * (position - below)


def _level(hours: Sequence[float], used: float) -> float:
    """The share of past durations shorter than `used` (the inverse of `_quantile`)."""
    above = bisect_left(hours, used)
    if above == 0:
        return 0.0
    if above == len(hours):
        return 1.0
    low, high = hours[above - 1], hours[above]
    step = 1 / (len(hours) - 1)
    return (above - 1) * step + (step * (used - low) / (high - low) if high > low else 0.0)


def predict(
    case: Case,
    line: Sequence[Step],
    norms: Sequence[StepDurationNorm],
    holidays: Collection[date],
    now: datetime,
) -> Prediction:
    if case.closed_at is not None:
        return Prediction(PredictionOutlook.CLOSED)
    remaining = [step for step in line if step.status not in DONE]
    if not remaining:
        return Prediction(PredictionOutlook.AWAITING_CLOSURE)
    if any(step.status is StepStatus.RETURNED for step in remaining):
        return Prediction(PredictionOutlook.AWAITING_APPLICANT)
    by_sequence = {norm.sequence: norm for norm in norms}
    if any(step.sequence not in by_sequence for step in remaining):
        return Prediction(PredictionOutlook.TOO_LITTLE_HISTORY)
    totals = [0.0 for _ in RANGE]
    for step in remaining:
        hours = by_sequence[step.sequence].quantile_hours
        used = working_hours_between(step.started_at, now, holidays) if step.started_at else 0.0
        # The durations of the past steps that ran at least as long as this one has.
        floor = _level(hours, used)
        if floor >= RANGE[-1]:
            return Prediction(PredictionOutlook.BEYOND_HISTORY)
        for index, level in enumerate(RANGE):
            totals[index] += max(_quantile(hours, floor + level * (1 - floor)) - used, 0.0)
    earliest, expected, latest = (add_working_hours(now, total, holidays) for total in totals)
    samples = min(by_sequence[step.sequence].samples for step in remaining)
    return Prediction(PredictionOutlook.PREDICTED, CompletionRange(earliest, expected, latest, samples))
