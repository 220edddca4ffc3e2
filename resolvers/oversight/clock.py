"""The statutory clock of one case, as the law counts it: working time used and left of the allowed period.

The deadline (`due_at`) already carries every pause given back on resumption, so the time left is the working
time from the clock's reference instant to the deadline: now while it runs, the moment it stopped while the case
waits for supplements, the closing time once decided. Days are working days of eight working hours.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from models import Case, CaseStatus, TaskType
from resolvers.statutory_clock import HOURS_A_DAY, working_hours_between


class ClockState(Enum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Clock:
    state: ClockState
    allowed_days: int
    set_by_law: bool
    used_days: float
    left_days: float
    paused_since: datetime | None


def clock_of(case: Case, task_type: TaskType, holidays: Collection[date], now: datetime) -> Clock:
    allowed = task_type.statutory_days
    if case.closed_at is not None:
        state, reference = ClockState.STOPPED, case.closed_at
    elif case.status is CaseStatus.AWAITING_SUPPLEMENT and case.clock_paused_at is not None:
        state, reference = ClockState.PAUSED, case.clock_paused_at
    else:
        state, reference = ClockState.RUNNING, now
    if reference <= case.due_at:
        left = working_hours_between(reference, case.due_at, holidays) / HOURS_A_DAY
    else:
        left = -working_hours_between(case.due_at, reference, holidays) / HOURS_A_DAY
    return Clock(
        state=state,
        allowed_days=allowed,
        set_by_law=task_type.period_in_law,
        used_days=round(max(allowed - left, 0.0), 1),
        left_days=round(left, 1),
        paused_since=case.clock_paused_at if state is ClockState.PAUSED else None,
    )
