"""Dashboard figures: per task type, department, officer or the whole city, over a window and by period."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.oversight import ranking
from resolvers.oversight import statistics as figures
from schema.described import described
from schema.enums import StepRole
from schema.info import Info
from schema.nodes import department as department_schema
from schema.nodes import officer as officer_schema
from schema.nodes import task_type as task_type_schema

if TYPE_CHECKING:
    from schema.nodes.department import Department
    from schema.nodes.officer import Officer
    from schema.nodes.task_type import TaskType


described(
    figures.Grouping,
    "What the figures are grouped by.",
    {
        figures.Grouping.CITY: "One group: every case in scope.",
        figures.Grouping.TASK_TYPE: "One group per task type.",
        figures.Grouping.DEPARTMENT: "One group per department handling cases.",
        figures.Grouping.OFFICER: "One group per officer; a case counts for every officer holding one of its steps.",
    },
    name="StatisticsGrouping",
)

described(
    figures.Period,
    "The length of the periods of a time series (Asia/Seoul calendar).",
    {
        figures.Period.WEEK: "Weeks starting on Monday.",
        figures.Period.MONTH: "Calendar months.",
        figures.Period.YEAR: "Calendar years.",
    },
    name="StatisticsPeriod",
)


@strawberry.type(description="Figures of one group over the whole window or over one period of it.")
class PeriodFigures:
    period_start: date | None = strawberry.field(
        description="First day of the period (Asia/Seoul); null for the totals of the whole window."
    )
    received: int = strawberry.field(description="Cases received in the period.")
    closed: int = strawberry.field(description="Cases closed in the period (decided or withdrawn).")
    decided: int = strawberry.field(description="Cases decided (completed or rejected) in the period.")
    on_time: int = strawberry.field(description="Decided cases closed by their statutory deadline.")
    on_time_rate: float | None = strawberry.field(description="`onTime / decided`; null when none was decided.")
    median_processing_days: float | None = strawberry.field(
        description="Median calendar days from receipt to decision of the cases decided in the period."
    )
    p90_processing_days: float | None = strawberry.field(
        description="90th percentile of the same: nine decisions in ten took at most this long."
    )
    median_working_days: float | None = strawberry.field(
        description="Median working days from receipt to decision, as the statutory clock counts them (days of "
        "eight working hours, weekends and public holidays excluded, pauses for supplements excluded)."
    )
    p90_working_days: float | None = strawberry.field(description="90th percentile of the same, in working days.")
    returns: int = strawberry.field(description="Returns for supplements (보완요구) made in the period.")

    @classmethod
    def of(cls, value: figures.Figures) -> PeriodFigures:
        return cls(
            period_start=value.period_start,
            received=value.received,
            closed=value.closed,
            decided=value.decided,
            on_time=value.on_time,
            on_time_rate=value.on_time_rate,
            median_processing_days=value.median_days,
            p90_processing_days=value.p90_days,
            median_working_days=value.median_working_days,
            p90_working_days=value.p90_working_days,
            returns=value.returns,
        )


@strawberry.type(description="How long one kind of step took, from start to signature, for steps signed in the window.")
class StepDurationFigures:
    role: StepRole = strawberry.field(description="The kind of step.")
    signed: int = strawberry.field(description="Steps of this kind signed in the window.")
    median_hours: float = strawberry.field(description="Median calendar hours from start to signature.")
    p90_hours: float = strawberry.field(description="90th percentile calendar hours from start to signature.")
    median_working_hours: float | None = strawberry.field(
        description="Median working hours from start to signature (the statutory clock's calendar, pauses for "
        "supplements excluded); null while the oversight round has not yet counted older steps."
    )
    p90_working_hours: float | None = strawberry.field(description="90th percentile of the same, in working hours.")


@strawberry.type(description="One group's figures: now, over the whole window, and period by period.")
class GroupStatistics:
    open_now: int = strawberry.field(description="Cases open now (received, in progress or awaiting supplements).")
    overdue_now: int = strawberry.field(
        description="Open cases past their statutory deadline now, while their clock runs (the overdue backlog)."
    )
    late_steps_now: int = strawberry.field(
        description="Steps open past their due time now, while their case's clock runs: what `lateSteps` lists for "
        "this group. Grouped by department, a step counts under the department of the officer holding it (the "
        "unit answering for it), as `lateSteps` scopes it, which may differ from the case's department."
    )
    totals: PeriodFigures = strawberry.field(description="Figures over the whole window.")
    series: list[PeriodFigures] = strawberry.field(
        description="Figures period by period, oldest first: every period the window touches, with zeros (and "
        "null medians) where nothing happened; empty unless `period` was given."
    )
    step_durations: list[StepDurationFigures] = strawberry.field(description="Step durations by kind of step.")
    grouping: strawberry.Private[figures.Grouping]
    key: strawberry.Private[int | None]

    @classmethod
    def of(cls, grouping: figures.Grouping, value: figures.GroupFigures) -> GroupStatistics:
        return cls(
            open_now=value.open_now,
            overdue_now=value.overdue_now,
            late_steps_now=value.late_steps_now,
            totals=PeriodFigures.of(value.totals),
            series=[PeriodFigures.of(point) for point in value.series],
            step_durations=[
                StepDurationFigures(
                    role=duration.role,
                    signed=duration.signed,
                    median_hours=duration.median_hours,
                    p90_hours=duration.p90_hours,
                    median_working_hours=duration.median_working_hours,
                    p90_working_hours=duration.p90_working_hours,
                )
                for duration in value.step_durations
            ],
            grouping=grouping,
            key=value.key,
        )

    @strawberry.field(description="The group's task type, when grouped by task type.")
    async def task_type(self, info: Info) -> Annotated["TaskType", strawberry.lazy("schema.nodes.task_type")] | None:
        if self.grouping is not figures.Grouping.TASK_TYPE or self.key is None:
            return None
        row = await info.context.loaders.task_type_by_id.load(self.key)
        return None if row is None else task_type_schema.TaskType.from_model(row)

    @strawberry.field(description="The group's department, when grouped by department.")
    async def department(
        self, info: Info
    ) -> Annotated["Department", strawberry.lazy("schema.nodes.department")] | None:
        if self.grouping is not figures.Grouping.DEPARTMENT or self.key is None:
            return None
        row = await info.context.loaders.department_by_id.load(self.key)
        return None if row is None else department_schema.Department.from_model(row)

    @strawberry.field(description="The group's officer, when grouped by officer.")
    async def officer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        if self.grouping is not figures.Grouping.OFFICER or self.key is None:
            return None
        row = await info.context.loaders.officer_by_id.load(self.key)
        return None if row is None else officer_schema.Officer.from_model(row)


@strawberry.type(description="An officer's place in the month's ranking by timely input (Seoul recognised seven).")
class OfficerRanking:
    rank: int = strawberry.field(description="1 for the most timely.")
    entries: int = strawberry.field(description="Changes the officer entered that happened in the month.")
    timely_entries: int = strawberry.field(
        description="Of those, entered within the input-delay threshold (INPUT_DELAY_WORKING_HOURS working hours)."
    )
    timely_rate: float = strawberry.field(description="`timelyEntries / entries`.")
    median_lag_hours: float = strawberry.field(description="Median working hours between the fact and its entry.")
    officer_id: strawberry.Private[int]

    @classmethod
    def of(cls, value: ranking.OfficerRank) -> OfficerRanking:
        return cls(
            rank=value.rank,
            entries=value.entries,
            timely_entries=value.timely,
            timely_rate=value.timely_rate,
            median_lag_hours=value.median_lag_hours,
            officer_id=value.officer_id,
        )

    @strawberry.field(description="The officer.")
    async def officer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")]:
        row = await info.context.loaders.officer_by_id.load(self.officer_id)
        assert row is not None, "foreign key guarantees the officer"
        return officer_schema.Officer.from_model(row)
