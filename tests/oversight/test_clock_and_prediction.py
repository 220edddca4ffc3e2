"""A case's statutory clock (days used and left) and its predicted completion."""

from datetime import UTC, datetime, timedelta

import httpx

from models import Case, CaseStatus, Step, StepDurationNorm, StepRole, StepStatus
from resolvers.dataloaders import Sessions
from resolvers.oversight.clock import ClockState, clock_of
from resolvers.oversight.prediction import predict, refresh_norms
from resolvers.statutory_clock import due_at
from tests.helpers import post
from tests.oversight.history import History, seoul

# 2025-03-03 (Mon) was a substitute holiday for 삼일절; the week after has five working days.
HOLIDAYS = frozenset({seoul(3, 3).date()})


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
    clock = clock_of(case, 10, HOLIDAYS, seoul(3, 7, 18))
    assert (clock.state, clock.used_days, clock.left_days) == (ClockState.RUNNING, 4.0, 6.0)
    # The weekend does not move it.
    assert clock_of(case, 10, HOLIDAYS, seoul(3, 9, 23)).left_days == 6.0


def test_a_paused_clock_stands_still_and_a_late_one_goes_negative() -> None:
    paused = _case(seoul(3, 4), 10, status=CaseStatus.AWAITING_SUPPLEMENT, clock_paused_at=seoul(3, 5, 18))
    clock = clock_of(paused, 10, HOLIDAYS, seoul(3, 20))
    assert (clock.state, clock.used_days, clock.left_days) == (ClockState.PAUSED, 2.0, 8.0)
    assert clock.paused_since == seoul(3, 5, 18)
    # Still open on Wednesday 19 March at 18:00: two working days past the deadline.
    late = clock_of(_case(seoul(3, 4), 10), 10, HOLIDAYS, seoul(3, 19, 18))
    assert (late.used_days, late.left_days) == (12.0, -2.0)


def test_a_closed_clock_is_stopped_at_closure() -> None:
    closed = _case(seoul(3, 4), 10, status=CaseStatus.COMPLETED, closed_at=seoul(3, 6, 18))
    clock = clock_of(closed, 10, HOLIDAYS, seoul(4, 30))
    assert (clock.state, clock.used_days, clock.left_days) == (ClockState.STOPPED, 3.0, 7.0)


def _norm(sequence: int, p10: float, p50: float, p90: float, samples: int) -> StepDurationNorm:
    return StepDurationNorm(sequence=sequence, p10_hours=p10, p50_hours=p50, p90_hours=p90, samples=samples)


def test_prediction_sums_the_remaining_steps() -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    line = [
        Step(sequence=1, status=StepStatus.SIGNED, role=StepRole.RECEIPT),
        Step(sequence=2, status=StepStatus.IN_PROGRESS, role=StepRole.REVIEW, started_at=now - timedelta(hours=10)),
        Step(sequence=3, status=StepStatus.PENDING, role=StepRole.TEAM_LEAD),
    ]
    norms = [_norm(1, 1, 2, 3, 50), _norm(2, 8, 24, 72, 40), _norm(3, 2, 5, 30, 45)]
    predicted = predict(line, norms, now)
    assert predicted is not None
    # Step 2 has used 10 of its hours: 14 (median) + 5 more; at least 0 (its p10 is gone) + 2; at most 62 + 30.
    assert predicted.expected_at == now + timedelta(hours=19)
    assert predicted.earliest_at == now + timedelta(hours=2)
    assert predicted.latest_at == now + timedelta(hours=92)
    assert predicted.samples == 40
    assert predict(line, norms[:2], now) is None, "no history for step 3: no prediction"
    assert predict(line[:1], norms, now) is None, "nothing remains"


async def test_norms_come_from_signed_history(oversight_sessions: Sessions, made: History) -> None:
    async with oversight_sessions() as session, session.begin():
        await refresh_norms(session)
    async with oversight_sessions() as session:
        receipt = await session.get(StepDurationNorm, (made.task_types["A"], 1))
        review = await session.get(StepDurationNorm, (made.task_types["A"], 2))
    # Task type A's receipts took 4, 2 and 3 hours; its reviews 72 and 432 (c7's is still open).
    assert receipt is not None
    assert (receipt.samples, round(receipt.p10_hours, 6), receipt.p50_hours, round(receipt.p90_hours, 6)) == (
        3,
        2.2,
        3.0,
        3.8,
    )
    assert review is not None
    assert (review.samples, review.p50_hours, round(review.p90_hours, 6)) == (2, 252.0, 396.0)


CASE = """
query ($receiptNo: String!) {
  case(receiptNo: $receiptNo) {
    clock { state allowedDays usedDays leftDays pausedSince }
    prediction { expectedAt earliestAt latestAt samples }
  }
}
"""


async def test_the_case_shows_its_clock_and_prediction(
    watchdog: httpx.AsyncClient, oversight_sessions: Sessions, made: History
) -> None:
    async with oversight_sessions() as session, session.begin():
        await refresh_norms(session)
    before = datetime.now(UTC)
    c7 = (await post(watchdog, CASE, receiptNo="TEST-c7"))["case"]
    after = datetime.now(UTC)
    # c7's review started ten hours ago; A's reviews have a median of 252 hours, a 90th percentile of 396.
    expected = datetime.fromisoformat(c7["prediction"]["expectedAt"])
    assert before + timedelta(hours=242) - timedelta(seconds=5) <= expected <= after + timedelta(hours=242)
    latest = datetime.fromisoformat(c7["prediction"]["latestAt"])
    assert before + timedelta(hours=386) - timedelta(seconds=5) <= latest <= after + timedelta(hours=386)
    assert c7["prediction"]["samples"] == 2
    assert c7["clock"]["state"] == "RUNNING"

    c2 = (await post(watchdog, CASE, receiptNo="TEST-c2"))["case"]
    assert c2["prediction"] is None, "closed"
    assert c2["clock"]["state"] == "STOPPED"
    assert c2["clock"]["leftDays"] < 0, "decided after its deadline"
