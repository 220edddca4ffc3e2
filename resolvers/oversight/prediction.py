"""Predicted completion of open cases, from how long each remaining step of their line has taken before.

The norms (10th, 50th and 90th percentile hours per task type and step) are refreshed in one statement by the
oversight loop, so a prediction costs a lookup, not a scan of history.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, cast, extract, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Step, StepDurationNorm, StepStatus

DONE = (StepStatus.SIGNED, StepStatus.SKIPPED)


@dataclass(frozen=True)
class Prediction:
    expected_at: datetime
    earliest_at: datetime
    latest_at: datetime
    # The fewest past signatures any remaining step's figures rest on.
    samples: int


async def refresh_norms(session: AsyncSession) -> None:
    hours = cast(extract("epoch", Step.signed_at - Step.started_at), Float) / 3_600
    history = (
        select(
            Case.task_type_id,
            Step.sequence,
            func.count(),
            func.percentile_cont(0.1).within_group(hours),
            func.percentile_cont(0.5).within_group(hours),
            func.percentile_cont(0.9).within_group(hours),
            func.now(),
        )
        .join(Case, Case.id == Step.case_id)
        .where(Step.status == StepStatus.SIGNED, Step.started_at.is_not(None))
        .group_by(Case.task_type_id, Step.sequence)
    )
    statement = insert(StepDurationNorm).from_select(
        ["task_type_id", "sequence", "samples", "p10_hours", "p50_hours", "p90_hours", "refreshed_at"], history
    )
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[StepDurationNorm.task_type_id, StepDurationNorm.sequence],
            set_={
                "samples": excluded.samples,
                "p10_hours": excluded.p10_hours,
                "p50_hours": excluded.p50_hours,
                "p90_hours": excluded.p90_hours,
                "refreshed_at": excluded.refreshed_at,
            },
        )
    )


def predict(line: Sequence[Step], norms: Sequence[StepDurationNorm], now: datetime) -> Prediction | None:
    """None when nothing remains or a remaining step has no history to go by (a new task type)."""
    by_sequence = {norm.sequence: norm for norm in norms}
    remaining = [step for step in line if step.status not in DONE]
    if not remaining or any(step.sequence not in by_sequence for step in remaining):
        return None
    low = mid = high = timedelta()
    for step in remaining:
        norm = by_sequence[step.sequence]
        # The step under way has already used part of its time.
        used = now - step.started_at if step.started_at and step.status is StepStatus.IN_PROGRESS else timedelta()
        low += max(timedelta(hours=norm.p10_hours) - used, timedelta())
        mid += max(timedelta(hours=norm.p50_hours) - used, timedelta())
        high += max(timedelta(hours=norm.p90_hours) - used, timedelta())
    samples = min(by_sequence[step.sequence].samples for step in remaining)
    return Prediction(expected_at=now + mid, earliest_at=now + low, latest_at=now + high, samples=samples)
