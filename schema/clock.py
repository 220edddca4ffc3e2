"""A case's statutory clock and its predicted completion, as shown on the case."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.oversight.clock import Clock, ClockState
from resolvers.oversight.prediction import CompletionRange, PredictionOutlook
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
    allowed_days: int = strawberry.field(
        description="The task type's processing period, in days: the law's, or the city's where `setByLaw` is false."
    )
    set_by_law: bool = strawberry.field(
        description="Whether a law sets the period (false for enforcement the city starts itself; the clock then "
        "counts against the city's own limit)."
    )
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
            set_by_law=clock.set_by_law,
            used_days=clock.used_days,
            left_days=clock.left_days,
            paused_since=local(clock.paused_since),
        )


described(
    PredictionOutlook,
    "Whether a completion can be predicted for the case, and why not.",
    {
        PredictionOutlook.PREDICTED: "`prediction` gives the range.",
        PredictionOutlook.CLOSED: "The case is closed.",
        PredictionOutlook.AWAITING_CLOSURE: "Every step is signed; only the recording of the result remains.",
        PredictionOutlook.AWAITING_APPLICANT: "The case waits for the applicant's supplements, which only they "
        "can time.",
        PredictionOutlook.TOO_LITTLE_HISTORY: "A remaining step was signed too few times before "
        "(PREDICTION_MIN_SAMPLES) for a reliable estimate.",
        PredictionOutlook.BEYOND_HISTORY: "The step under way has already taken longer than nine in ten of its kind "
        "before: no reliable estimate.",
    },
)


@strawberry.type(
    description="When an open case should be decided, from the working hours its remaining steps took in past "
    "cases of its task type: each remaining step at the same percentile of its history (the step under way at "
    "the percentile of the past steps that took longer than it has so far), laid on the working calendar. "
    "Time spent waiting for supplements is not predicted."
)
class CompletionPrediction:
    expected_at: datetime = strawberry.field(description="With every remaining step at its median.")
    earliest_at: datetime = strawberry.field(description="With every remaining step at its 10th percentile.")
    latest_at: datetime = strawberry.field(description="With every remaining step at its 90th percentile.")
    samples: int = strawberry.field(description="The fewest past signatures behind any remaining step's figures.")

    @classmethod
    def of(cls, predicted: CompletionRange | None) -> CompletionPrediction | None:
        if predicted is None:
            return None
        return cls(
            expected_at=local(predicted.expected_at),
            earliest_at=local(predicted.earliest_at),
            latest_at=local(predicted.latest_at),
            samples=predicted.samples,
        )
