"""Dashboard figures over the hand-made history of tests/oversight/history.py, worked out by hand."""

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from models import Case, CaseStatus, Event, EventType, Step, StepRole
from openproc.settings import Settings
from resolvers import durations
from resolvers.context import Context
from resolvers.dataloaders import Sessions
from resolvers.oversight.ranking import timely_input_ranking
from resolvers.oversight.statistics import Grouping, Period, Window, statistics
from resolvers.scope import Scope
from resolvers.statutory_clock import working_hours_between
from resolvers.workflow.rows import holidays
from tests.helpers import execute, global_id, post_expecting_errors
from tests.oversight.history import History, seoul

WINDOW = Window(seoul(1, 1, 0), seoul(3, 1, 0))
THRESHOLD = Settings().policy().input_delay_hours  # working hours


async def test_figures_by_task_type(oversight_context: Context, made: History) -> None:
    groups = await statistics(oversight_context, Grouping.TASK_TYPE, Scope(), WINDOW, first=10)
    assert [group.key for group in groups] == [made.task_types["A"], made.task_types["B"]]
    a, b = groups
    # A: received c1, c2, c3, c7; closed and decided c1, c2, c3 and c6 (received in 2024, closed in January);
    # on time c1 and c3; processing days 4, 21, 1, 19 → median (4 + 19) / 2, p90 19 + 0.7 × (21 − 19).
    assert (a.totals.received, a.totals.closed, a.totals.decided, a.totals.on_time) == (4, 4, 4, 2)
    assert a.totals.on_time_rate == 0.5
    assert a.totals.median_days == pytest.approx(11.5)
    assert a.totals.p90_days == pytest.approx(20.4)
    assert a.totals.returns == 1
    assert (a.open_now, a.overdue_now) == (1, 0)  # c7, due in 2099
    # B: c4 (open, past due) and c5 (withdrawn: closed, not decided).
    assert (b.totals.received, b.totals.closed, b.totals.decided) == (2, 1, 0)
    assert b.totals.on_time_rate is None
    assert b.totals.median_days is None
    assert (b.open_now, b.overdue_now) == (1, 1)


async def test_monthly_series(oversight_context: Context, made: History) -> None:
    window = Window(WINDOW.start, WINDOW.end, Period.MONTH)
    scope = Scope(task_type_code=made.task_codes["A"])
    (a,) = await statistics(oversight_context, Grouping.TASK_TYPE, scope, window, first=10)
    january, february = a.series
    assert (january.period_start, february.period_start) == (date(2025, 1, 1), date(2025, 2, 1))
    # January: received c1, c2; closed c1 (4 days, on time) and c6 (19 days, late); the return of c2.
    assert (january.received, january.closed, january.on_time, january.returns) == (2, 2, 1, 1)
    assert january.median_days == pytest.approx(11.5)
    assert january.p90_days == pytest.approx(4 + 0.9 * 15)
    # February: received c3, c7; closed c2 (21 days, late) and c3 (1 day, on time).
    assert (february.received, february.closed, february.on_time, february.returns) == (2, 2, 1, 0)
    assert february.median_days == pytest.approx(11.0)
    assert february.p90_days == pytest.approx(1 + 0.9 * 20)


async def test_a_series_has_every_period_of_the_window(oversight_context: Context, made: History) -> None:
    """Quiet periods are points too (zeros, no medians), so a chart's axis is the calendar's: March had nothing,
    and weeks are Seoul's, from Monday."""
    scope = Scope(task_type_code=made.task_codes["A"])
    monthly = Window(WINDOW.start, seoul(4, 1, 0), Period.MONTH)
    (a,) = await statistics(oversight_context, Grouping.TASK_TYPE, scope, monthly, first=10)
    assert [point.period_start for point in a.series] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    march = a.series[2]
    assert (march.received, march.closed, march.returns, march.median_days, march.on_time_rate) == (0, 0, 0, None, None)

    weekly = Window(WINDOW.start, WINDOW.end, Period.WEEK)
    (a,) = await statistics(oversight_context, Grouping.TASK_TYPE, scope, weekly, first=10)
    starts = [start for point in a.series if (start := point.period_start) is not None]
    assert len(starts) == len(a.series)
    # 1 January 2025 was a Wednesday: its week began on Monday 30 December; the last week begins on 24 February.
    assert starts[0] == date(2024, 12, 30)
    assert starts[-1] == date(2025, 2, 24)
    assert all(later - earlier == timedelta(days=7) for earlier, later in pairwise(starts))
    assert sum(point.received for point in a.series) == a.totals.received
    assert any(point.received == 0 for point in a.series)


async def test_by_department_and_by_officer(oversight_context: Context, made: History) -> None:
    by_department = await statistics(oversight_context, Grouping.DEPARTMENT, Scope(), WINDOW, first=10)
    received = {group.key: group.totals.received for group in by_department}
    assert received == {made.departments["D1"]: 4, made.departments["D2"]: 2}  # D1: c1 c2 c5 c7; D2: c3 c4

    by_officer = await statistics(oversight_context, Grouping.OFFICER, Scope(), WINDOW, first=10)
    now = {group.key: (group.totals.received, group.open_now, group.overdue_now) for group in by_officer}
    o1, o2, o3 = (made.officers[name] for name in ("O1", "O2", "O3"))
    assert now == {o1: (4, 2, 1), o2: (3, 1, 0), o3: (1, 1, 1)}
    # O2's signed reviews took 72 and 432 hours.
    (review,) = next(group for group in by_officer if group.key == o2).step_durations
    assert (review.signed, review.median_hours, round(review.p90_hours, 6)) == (2, 252.0, 396.0)


async def test_step_durations_for_the_city(oversight_context: Context) -> None:
    (city,) = await statistics(oversight_context, Grouping.CITY, Scope(), WINDOW, first=1)
    receipt, review = city.step_durations
    # Receipt steps took 4, 2, 1 and 3 hours; reviews 72 and 432 (c4's and c7's are still open).
    assert (receipt.signed, receipt.median_hours, round(receipt.p90_hours, 6)) == (4, 2.5, 3.7)
    assert (review.signed, review.median_hours) == (2, 252.0)


def _percentile(values: list[float], share: float) -> float:
    """PostgreSQL's percentile_cont: linear between the two nearest ranks."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


async def test_working_days_follow_the_statutory_clock_once_the_round_fills_them(
    oversight_context: Context, oversight_sessions: Sessions, made: History
) -> None:
    """The hand-made history was written without working hours, as rows from before they were stored are: the
    round's fill counts them in SQL, and the figures equal the Python clock's count of the same rows."""
    await durations.fill(oversight_sessions)
    async with oversight_sessions() as session:
        calendar = await holidays(session)
        given_back = {
            case_id: hours
            for case_id, hours in await session.execute(
                select(Event.case_id, func.sum(Event.payload["pausedWorkingHours"].as_float()))
                .where(Event.type == EventType.CASE_RESUMED)
                .group_by(Event.case_id)
            )
        }
        decided = (
            await session.scalars(
                select(Case).where(
                    Case.task_type_id == made.task_types["A"],
                    Case.status.in_([CaseStatus.COMPLETED, CaseStatus.REJECTED]),
                    Case.closed_at >= WINDOW.start,
                    Case.closed_at < WINDOW.end,
                )
            )
        ).all()
        receipts = (
            await session.scalars(select(Step).where(Step.role == StepRole.RECEIPT, Step.signed_at.is_not(None)))
        ).all()
    days = [
        (working_hours_between(case.received_at, case.closed_at, calendar) - given_back.get(case.id, 0.0)) / 8
        for case in decided
        if case.closed_at is not None
    ]
    (a, _) = await statistics(oversight_context, Grouping.TASK_TYPE, Scope(), WINDOW, first=10)
    assert len(days) == a.totals.decided == 4
    assert a.totals.median_working_days == pytest.approx(_percentile(days, 0.5), abs=0.01)
    assert a.totals.p90_working_days == pytest.approx(_percentile(days, 0.9), abs=0.01)
    # Working days are fewer than calendar days: weekends and nights do not count.
    assert a.totals.median_days is not None
    assert a.totals.median_working_days is not None
    assert a.totals.median_working_days < a.totals.median_days

    hours = [
        working_hours_between(step.started_at, step.signed_at, calendar)
        for step in receipts
        if step.started_at and step.signed_at
    ]
    (city,) = await statistics(oversight_context, Grouping.CITY, Scope(), WINDOW, first=1)
    receipt = city.step_durations[0]
    assert receipt.median_working_hours == pytest.approx(_percentile(hours, 0.5), abs=0.01)
    assert receipt.p90_working_hours == pytest.approx(_percentile(hours, 0.9), abs=0.01)


async def test_department_scope_takes_its_subunits(oversight_context: Context, made: History) -> None:
    (only_d2,) = await statistics(
        oversight_context, Grouping.CITY, Scope(department_id=made.departments["D2"]), WINDOW, first=1
    )
    assert only_d2.totals.received == 2


async def test_ranking_of_timely_input(oversight_context: Context, made: History) -> None:
    o1, o2, o3 = (made.officers[name] for name in ("O1", "O2", "O3"))
    ranked = await timely_input_ranking(oversight_context, date(2025, 1, 1), THRESHOLD, 7, 10)
    # O2: thirteen entries (twelve and the return), all on time; O1: nine of ten (one was entered sixteen working
    # hours late); O3 has too few entries.
    assert [(rank.rank, rank.officer_id, rank.entries, rank.timely) for rank in ranked] == [
        (1, o2, 13, 13),
        (2, o1, 10, 9),
    ]
    assert ranked[1].timely_rate == 0.9
    assert ranked[1].median_lag_hours == 1.0
    everyone = await timely_input_ranking(oversight_context, date(2025, 1, 1), THRESHOLD, 7, 1)
    # All on time, O3 and O2 are ranked by how soon: O3 made two of three entries on a weekend, entered within the
    # hour, so its median lag is 0 working hours against O2's 1; volume comes last.
    assert [rank.officer_id for rank in everyone] == [o3, o2, o1]
    assert [rank.median_lag_hours for rank in everyone] == [0.0, 1.0, 1.0]
    assert await timely_input_ranking(oversight_context, date(2025, 3, 1), THRESHOLD, 7, 1) == []


STATISTICS = """
query ($from: DateTime!, $to: DateTime!, $filter: OversightScope) {
  statistics(groupBy: TASK_TYPE, from: $from, to: $to, period: MONTH, filter: $filter) {
    taskType { code } department { id } openNow overdueNow
    totals { received onTimeRate medianProcessingDays }
    series { periodStart received }
    stepDurations { role signed medianHours }
  }
}
"""


async def test_statistics_over_graphql(oversight_context: Context, made: History) -> None:
    data = await execute(
        oversight_context,
        STATISTICS,
        **{
            "from": "2025-01-01T00:00:00",
            "to": "2025-03-01T00:00:00",
            "filter": {"taskTypeCode": made.task_codes["A"]},
        },
    )
    (group,) = data["statistics"]
    assert group["taskType"] == {"code": made.task_codes["A"]}
    assert group["department"] is None
    assert group["totals"] == {"received": 4, "onTimeRate": 0.5, "medianProcessingDays": 11.5}
    assert group["series"] == [
        {"periodStart": "2025-01-01", "received": 2},
        {"periodStart": "2025-02-01", "received": 2},
    ]
    assert group["stepDurations"][0] == {"role": "RECEIPT", "signed": 3, "medianHours": 3.0}


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"from": "2025-03-01T00:00:00", "to": "2025-01-01T00:00:00"}, "to"),
        ({"from": "1990-01-01T00:00:00", "to": "2025-01-01T00:00:00", "period": "WEEK"}, "period"),
        ({"from": "2025-01-01T00:00:00", "to": "2025-03-01T00:00:00", "first": 0}, "first"),
        (
            {"from": "2025-01-01T00:00:00", "to": "2025-03-01T00:00:00", "filter": {"officerId": global_id("Case", 1)}},
            "filter.officerId",
        ),
    ],
)
async def test_bad_windows_are_refused(watchdog: httpx.AsyncClient, variables: dict[str, Any], argument: str) -> None:
    query = """
    query ($from: DateTime!, $to: DateTime!, $period: StatisticsPeriod, $first: Int = 50, $filter: OversightScope) {
      statistics(from: $from, to: $to, period: $period, first: $first, filter: $filter) { openNow }
    }"""
    (error,) = await post_expecting_errors(watchdog, query, **variables)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


DASHBOARD = """
query ($from: DateTime!, $to: DateTime!, $groupBy: StatisticsGrouping!) {
  statistics(groupBy: $groupBy, from: $from, to: $to, first: 500) {
    department { id } officer { id } taskType { code } overdueNow lateStepsNow
  }
  lateSteps(first: 1) { totalCount }
}
"""
LATE_STEPS = "query ($filter: OversightScope) { lateSteps(filter: $filter, first: 1) { totalCount } }"
OVERDUE_CASES = "query ($filter: CaseFilter) { cases(filter: $filter, first: 1) { totalCount } }"


@pytest.mark.parametrize("grouping", ["CITY", "TASK_TYPE", "DEPARTMENT", "OFFICER"])
async def test_late_steps_and_overdue_cases_per_group_in_one_query(context: Context, grouping: str) -> None:
    """What a dashboard asked one aliased query per unit for: each group's late steps are what `lateSteps` lists for
    it, each group's overdue cases what `cases(filter: {overdueNow: true})` lists."""
    window = {"from": "2026-01-01T00:00:00", "to": "2026-02-01T00:00:00"}
    data = await execute(context, DASHBOARD, groupBy=grouping, **window)
    groups = data["statistics"]
    late_total = data["lateSteps"]["totalCount"]
    assert late_total > 0
    assert sum(group["lateStepsNow"] for group in groups) == late_total
    key = {"DEPARTMENT": "department", "OFFICER": "officer", "TASK_TYPE": "taskType"}.get(grouping)
    if key is None:
        return
    for group in sorted(groups, key=lambda group: -group["lateStepsNow"])[:3]:
        assert group[key] is not None
        scope: dict[str, Any] = {
            "department": {"departmentId": group["department"] and group["department"]["id"]},
            "officer": {"officerId": group["officer"] and group["officer"]["id"]},
            "taskType": {"taskTypeCode": group["taskType"] and group["taskType"]["code"]},
        }[key]
        if key == "department":
            scope["includeSubdepartments"] = False
        listed = await execute(context, LATE_STEPS, filter=scope)
        assert group["lateStepsNow"] == listed["lateSteps"]["totalCount"] > 0
        if key != "officer":  # cases are grouped by their own department; an officer's are those they hold a step of
            cases = await execute(context, OVERDUE_CASES, filter={**scope, "overdueNow": True})
            assert group["overdueNow"] == cases["cases"]["totalCount"]
