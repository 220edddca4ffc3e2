"""A case's statutory clock and its predicted completion, as shown on the case."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.oversight.clock import Clock, ClockState
from resolvers.oversight.prediction import Prediction
from schema.described import described
from schema.time import local

described(
    ClockState,
    "Whether the statutory clock runs.",
    {
        ClockState.RUNNING: "The case is being processed; the clock runs.",
        ClockState.PAUSED: "Waiting for the applicant's supplements: the law does not count this time.",
        ClockState.STOPPED: "The case is closed.",
    },
)


@strawberry.type(
    description="The processing period as the Civil Petitions Act counts it (민원처리법 제19조): working days of "
    "eight working hours, Saturdays and public holidays excluded, pauses for supplements given back."
)
class StatutoryClock:
    state: ClockState = strawberry.field(description="Running, paused or stopped.")
    allowed_days: int = strawberry.field(description="The task type's statutory processing period, in days.")
    used_days: float = strawberry.field(description="Working days used so far (to closure, for a closed case).")
    left_days: float = strawberry.field(
        description="Working days left before the deadline; negative when it has passed (by that much)."
    )
    paused_since: datetime | None = strawberry.field(description="When the clock stopped, while paused.")

    @classmethod
    def of(cls, clock: Clock) -> StatutoryClock:
        return cls(
            state=clock.state,
            allowed_days=clock.allowed_days,
            used_days=clock.used_days,
            left_days=clock.left_days,
            paused_since=local(clock.paused_since),
        )


@strawberry.type(
    description="When an open case should be decided, from how long its remaining steps took in past cases of its "
    "task type (percentiles of their start-to-signature hours, summed). Time spent waiting for supplements is "
    "not predicted."
)
class CompletionPrediction:
    expected_at: datetime = strawberry.field(description="With every remaining step at its median.")
    earliest_at: datetime = strawberry.field(description="With every remaining step at its 10th percentile.")
    latest_at: datetime = strawberry.field(description="With every remaining step at its 90th percentile.")
    samples: int = strawberry.field(description="The fewest past signatures behind any remaining step's figures.")

    @classmethod
    def of(cls, prediction: Prediction) -> CompletionPrediction:
        return cls(
            expected_at=local(prediction.expected_at),
            earliest_at=local(prediction.earliest_at),
            latest_at=local(prediction.latest_at),
            samples=prediction.samples,
        )
