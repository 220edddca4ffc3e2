"""A case's statutory clock (days used and left) and its predicted completion."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from models import Case, CaseStatus, Step, StepDurationNorm, StepRole, StepStatus, TaskType
from resolvers.dataloaders import Sessions
from resolvers.oversight.clock import ClockState, clock_of
from resolvers.oversight.prediction import QUANTILES, PredictionOutlook, predict, refresh_norms
from resolvers.statutory_clock import SEOUL, add_working_hours, due_at, working_hours_between
from resolvers.workflow.rows import holidays
from tests.helpers import post
from tests.oversight.history import History, seoul

# 2025-03-03 (Mon) was a substitute holiday for 삼일절; the week after has five working days.
HOLIDAYS = frozenset({seoul(3, 3).date()})
PERMIT = TaskType(statutory_days=10, period_in_law=True)


def _case(received: datetime, days: int, **changes: object) -> Case:
    case = Case(
        received_at=received,
        due_at=due_at(received, days, HOLIDAYS),
        status=CaseStatus.IN_PROGRESS,
        closed_at=None,
        clock_paused_at=None,
    )
    for name, value in changes.items():
        setattr(case, name, value)
    return case


def test_a_running_clock_counts_working_days_only() -> None:
    # Ten days from Tuesday 4 March: 4–7, 10–14, 17 March (the 3rd is a holiday, weekends do not count).
    case = _case(seoul(3, 4), 10)
    assert case.due_at == seoul(3, 17, 18)
    # Friday 7 March at 18:00: four working days used (4th to 7th), six left.
    clock = clock_of(case, PERMIT, HOLIDAYS, seoul(3, 7, 18))
    assert (clock.state, clock.used_days, clock.left_days) == (ClockState.RUNNING, 4.0, 6.0)
    # The weekend does not move it.
    assert clock_of(case, PERMIT, HOLIDAYS, seoul(3, 9, 23)).left_days == 6.0


def test_a_paused_clock_stands_still_and_a_late_one_goes_negative() -> None:
    paused = _case(seoul(3, 4), 10, status=CaseStatus.AWAITING_SUPPLEMENT, clock_paused_at=seoul(3, 5, 18))
    clock = clock_of(paused, PERMIT, HOLIDAYS, seoul(3, 20))
    assert (clock.state, clock.used_days, clock.left_days) == (ClockState.PAUSED, 2.0, 8.0)
    assert clock.paused_since == seoul(3, 5, 18)
    # Still open on Wednesday 19 March at 18:00: two working days past the deadline.
    late = clock_of(_case(seoul(3, 4), 10), PERMIT, HOLIDAYS, seoul(3, 19, 18))
    assert (late.used_days, late.left_days) == (12.0, -2.0)


def test_an_enforcement_clock_counts_against_the_citys_limit_not_the_laws() -> None:
    # Enforcement the city starts itself has no period in law: the clock says so, and counts the same way.
    enforcement = TaskType(statutory_days=10, period_in_law=False)
    clock = clock_of(_case(seoul(3, 4), 10), enforcement, HOLIDAYS, seoul(3, 7, 18))
    assert (clock.set_by_law, clock.allowed_days, clock.left_days) == (False, 10, 6.0)
    assert clock_of(_case(seoul(3, 4), 10), PERMIT, HOLIDAYS, seoul(3, 7, 18)).set_by_law


def test_a_closed_clock_is_stopped_at_closure() -> None:
    closed = _case(seoul(3, 4), 10, status=CaseStatus.COMPLETED, closed_at=seoul(3, 6, 18))
    clock = clock_of(closed, PERMIT, HOLIDAYS, seoul(4, 30))
    assert (clock.state, clock.used_days, clock.left_days) == (ClockState.STOPPED, 3.0, 7.0)


def _norm(sequence: int, low: float, high: float, samples: int = 40) -> StepDurationNorm:
    """Durations spread evenly from `low` to `high` working hours: the percentile p is low + p·(high − low)."""
    hours = [low + level * (high - low) for level in QUANTILES]
    return StepDurationNorm(sequence=sequence, quantile_hours=hours, samples=samples)


# Monday 2 March 2026, 09:00 in Seoul: a working week ahead (삼일절 fell on the Sunday before; its substitute
# holiday is Monday the 2nd, so the test's calendar is told it is not one).
MONDAY = datetime(2026, 3, 2, 9, tzinfo=SEOUL)
OPEN = Case(closed_at=None)


def _line(used: float) -> list[Step]:
    return [
        Step(sequence=1, status=StepStatus.SIGNED, role=StepRole.RECEIPT),
        Step(
            sequence=2, status=StepStatus.IN_PROGRESS, role=StepRole.REVIEW, started_at=MONDAY - timedelta(hours=used)
        ),
        Step(sequence=3, status=StepStatus.PENDING, role=StepRole.TEAM_LEAD),
    ]


def _close(moment: datetime, hours_after_monday: float) -> bool:
    """Whether `moment` is that many working hours after MONDAY (to the millisecond: percentiles interpolate)."""
    return abs(moment - add_working_hours(MONDAY, hours_after_monday, frozenset())) < timedelta(milliseconds=1)


def test_prediction_adds_the_remaining_steps_in_working_hours() -> None:
    # Step 2 took 0–40 working hours before, step 3 0–20. Step 2 has been under way since Friday 17:00 (64
    # calendar hours, one working hour): the past steps 2 that took at least that long set its figures.
    norms = [_norm(1, 0, 4), _norm(2, 0, 40), _norm(3, 0, 20, samples=25)]
    predicted = predict(OPEN, _line(used=64), norms, frozenset(), MONDAY).range
    assert predicted is not None
    # Given one hour used, step 2's p-th percentile is 1 + 39·p hours, so 39·p remain; step 3 adds 20·p.
    assert _close(predicted.earliest_at, 5.9)
    assert _close(predicted.expected_at, 29.5)
    assert _close(predicted.latest_at, 53.1)
    assert predicted.samples == 25
    # 29.5 working hours from Monday 09:00 is Thursday 15:30: a completion falls in office hours.
    assert abs(predicted.expected_at - datetime(2026, 3, 5, 15, 30, tzinfo=SEOUL)) < timedelta(milliseconds=1)


def test_no_dates_are_invented() -> None:
    norms = [_norm(1, 0, 4), _norm(2, 0, 40), _norm(3, 0, 20)]
    under_way = _line(used=0)
    # Under way for 35 working hours, fewer than one in ten past steps 2 took longer (36 h and more): predicted.
    under_way[1].started_at = datetime(2026, 2, 23, 15, tzinfo=SEOUL)
    assert predict(OPEN, under_way, norms, frozenset(), MONDAY).outlook is PredictionOutlook.PREDICTED
    # Under way for five working days (40 h): longer than nine in ten before it. No reliable estimate.
    under_way[1].started_at = datetime(2026, 2, 23, 9, tzinfo=SEOUL)
    beyond = predict(OPEN, under_way, norms, frozenset(), MONDAY)
    assert (beyond.outlook, beyond.range) == (PredictionOutlook.BEYOND_HISTORY, None)
    assert predict(OPEN, _line(1), norms[:2], frozenset(), MONDAY).outlook is PredictionOutlook.TOO_LITTLE_HISTORY
    returned = _line(1)
    returned[1].status = StepStatus.RETURNED
    assert predict(OPEN, returned, norms, frozenset(), MONDAY).outlook is PredictionOutlook.AWAITING_APPLICANT
    assert predict(OPEN, _line(1)[:1], norms, frozenset(), MONDAY).outlook is PredictionOutlook.AWAITING_CLOSURE
    closed = predict(Case(closed_at=MONDAY), _line(1), norms, frozenset(), MONDAY)
    assert (closed.outlook, closed.range) == (PredictionOutlook.CLOSED, None)


async def _durations(sessions: Sessions, task_type: int, sequence: int) -> list[float]:
    """The working hours the signed steps of a task type's step took, by the Python clock."""
    async with sessions() as session:
        calendar = await holidays(session)
        rows = (
            await session.execute(
                select(Step.started_at, Step.signed_at)
                .join(Case, Case.id == Step.case_id)
                .where(Case.task_type_id == task_type, Step.sequence == sequence, Step.status == StepStatus.SIGNED)
            )
        ).all()
    return sorted(working_hours_between(started, signed, calendar) for started, signed in rows if started and signed)


async def test_norms_are_working_hour_percentiles_of_signed_history(
    oversight_sessions: Sessions, made: History
) -> None:
    async with oversight_sessions() as session, session.begin():
        await refresh_norms(session, min_samples=3)
    async with oversight_sessions() as session:
        receipt = await session.get(StepDurationNorm, (made.task_types["A"], 1))
        review = await session.get(StepDurationNorm, (made.task_types["A"], 2))
    # Task type A's receipts were signed three times, its reviews twice: too few for a norm at three.
    assert review is None
    assert receipt is not None
    durations = await _durations(oversight_sessions, made.task_types["A"], 1)
    assert receipt.samples == len(durations) == 3
    # Receipts started at 09:00 and signed at 13:00, 11:00 and 12:00: 3, 2 and 3 working hours (lunch is not).
    assert durations == [2.0, 3.0, 3.0]
    assert [round(hours, 6) for hours in receipt.quantile_hours] == [
        round(2.0 + min(level * 2, 1.0), 6) for level in QUANTILES
    ]
    async with oversight_sessions() as session, session.begin():
        await refresh_norms(session, min_samples=1)
    async with oversight_sessions() as session:
        review = await session.get(StepDurationNorm, (made.task_types["A"], 2))
    assert review is not None
    reviews = await _durations(oversight_sessions, made.task_types["A"], 2)
    assert (review.quantile_hours[0], review.quantile_hours[-1]) == (reviews[0], reviews[-1])


CASE = """
query ($receiptNo: String!) {
  case(receiptNo: $receiptNo) {
    clock { state allowedDays usedDays leftDays pausedSince }
    prediction { expectedAt earliestAt latestAt samples }
    predictionOutlook
  }
}
"""


async def test_the_case_shows_its_clock_and_prediction(
    watchdog: httpx.AsyncClient, oversight_sessions: Sessions, made: History
) -> None:
    async with oversight_sessions() as session, session.begin():
        await refresh_norms(session, min_samples=1)
        calendar = await holidays(session)
    asked = datetime.now(UTC)
    c7 = (await post(watchdog, CASE, receiptNo="TEST-c7"))["case"]
    # c7's review, its last step, started ten calendar hours ago; A's two past reviews set its figures, given the
    # working hours it has used since.
    reviews = await _durations(oversight_sessions, made.task_types["A"], 2)
    used = working_hours_between(asked - timedelta(hours=10), asked, calendar)
    floor = max(min((used - reviews[0]) / (reviews[1] - reviews[0]), 1.0), 0.0)
    for field, level in (("earliestAt", 0.1), ("expectedAt", 0.5), ("latestAt", 0.9)):
        at = floor + level * (1 - floor)
        remaining = reviews[0] + at * (reviews[1] - reviews[0]) - used
        shown = working_hours_between(asked, datetime.fromisoformat(c7["prediction"][field]), calendar)
        assert abs(shown - remaining) < 0.01, field
    assert (c7["predictionOutlook"], c7["prediction"]["samples"]) == ("PREDICTED", 2)
    assert c7["clock"]["state"] == "RUNNING"

    c2 = (await post(watchdog, CASE, receiptNo="TEST-c2"))["case"]
    assert (c2["prediction"], c2["predictionOutlook"]) == (None, "CLOSED")
    assert c2["clock"]["state"] == "STOPPED"
    assert c2["clock"]["leftDays"] < 0, "decided after its deadline"
    c4 = (await post(watchdog, CASE, receiptNo="TEST-c4"))["case"]
    assert (c4["prediction"], c4["predictionOutlook"]) == (None, "TOO_LITTLE_HISTORY"), "B's reviews: none signed"
