"""Standing inspections (상시 점검) as GraphQL: teams, schedules and what each inspection found — public in
aggregate; the outcome of each sampled case, the officer it concerns and the notes for auditors only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from resolvers.oversight import inspections
from resolvers.pagination import Page, Slice
from schema.described import described
from schema.ids import nodes_from, optional_db_id_for
from schema.info import Info
from schema.nodes import case as case_schema
from schema.nodes import department as department_schema
from schema.nodes import officer as officer_schema
from schema.pagination import AfterArgument, BeforeArgument, FirstArgument, LastArgument, edges_of, page_info_of
from schema.permissions import IsAuditor
from schema.time import local

if TYPE_CHECKING:
    from schema.nodes.case import Case
    from schema.nodes.department import Department
    from schema.nodes.officer import Officer

described(
    models.InspectionStatus,
    "Where a standing inspection stands.",
    {
        models.InspectionStatus.SCHEDULED: "On the schedule; its cases are sampled when its day comes.",
        models.InspectionStatus.COMPLETED: "Recorded by a member of the team.",
    },
)
described(
    models.InspectionOutcome,
    "What an inspection found in a sampled case.",
    {
        models.InspectionOutcome.NO_ISSUE: "Handled as it should be.",
        models.InspectionOutcome.CORRECTED: "A mistake, corrected on the spot (현지 시정).",
        models.InspectionOutcome.WARNING: "A warning to the officer concerned (주의).",
        models.InspectionOutcome.REFERRED_FOR_DISCIPLINE: "Sent on for disciplinary proceedings (징계 회부).",
    },
)


@strawberry.type(description="A standing inspection team, with its inspectors.")
class InspectionTeam:
    name: str = strawberry.field(description="The team's name.")
    active: bool = strawberry.field(description="Whether the round still schedules it.")
    team_id: strawberry.Private[int]
    department_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.InspectionTeam) -> InspectionTeam:
        return cls(name=row.name, active=row.active, team_id=row.id, department_id=row.department_id)

    @strawberry.field(description="The unit the team belongs to; it never inspects that unit or those below it.")
    async def department(self, info: Info) -> Annotated["Department", strawberry.lazy("schema.nodes.department")]:
        row = await info.context.loaders.department_by_id.load(self.department_id)
        assert row is not None, "foreign key guarantees the department"
        return department_schema.Department.from_model(row)

    @strawberry.field(description="The inspectors.")
    async def members(self, info: Info) -> list[Annotated["Officer", strawberry.lazy("schema.nodes.officer")]]:
        rows = await info.context.loaders.inspectors_by_team_id.load(self.team_id)
        return [officer_schema.Officer.from_model(row) for row in rows]


@strawberry.type(description="How many sampled cases had each outcome.")
class InspectionOutcomeCounts:
    no_issue: int = strawberry.field(description="Handled as they should be.")
    corrected: int = strawberry.field(description="Corrected on the spot.")
    warning: int = strawberry.field(description="With a warning to the officer concerned.")
    referred_for_discipline: int = strawberry.field(description="Sent on for disciplinary proceedings.")

    @classmethod
    def of(cls, counts: dict[models.InspectionOutcome, int]) -> InspectionOutcomeCounts:
        return cls(**{outcome.value: counts.get(outcome, 0) for outcome in models.InspectionOutcome})


@strawberry.type(description="A sampled case and what the inspection found in it (auditors only).")
class InspectedCase:
    outcome: models.InspectionOutcome | None = strawberry.field(description="What was found; null until recorded.")
    note: str | None = strawberry.field(description="The inspectors' note.")
    case_id: strawberry.Private[int]
    officer_id: strawberry.Private[int | None]

    @strawberry.field(description="The case.")
    async def case(self, info: Info) -> Annotated["Case", strawberry.lazy("schema.nodes.case")]:
        row = await info.context.loaders.case_by_id.load(self.case_id)
        assert row is not None, "foreign key guarantees the case"
        return case_schema.Case.from_model(row)

    @strawberry.field(description="The officer the outcome concerns, if the inspectors named one.")
    async def officer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        row = None if self.officer_id is None else await info.context.loaders.officer_by_id.load(self.officer_id)
        return None if row is None else officer_schema.Officer.from_model(row)


@strawberry.type(description="One team's standing inspection of one department on one day.")
class Inspection(relay.Node):
    id: relay.NodeID[int]
    scheduled_on: date = strawberry.field(description="The day (Asia/Seoul).")
    status: models.InspectionStatus = strawberry.field(description="Scheduled or recorded.")
    summary: str | None = strawberry.field(description="The team's public summary, once recorded.")
    completed_at: datetime | None = strawberry.field(description="When it was recorded.")
    event_sequence: int | None = strawberry.field(description="Sequence of its INSPECTION_COMPLETED event.")
    team_id: strawberry.Private[int]
    department_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Inspection) -> Inspection:
        return cls(
            id=row.id,
            scheduled_on=row.scheduled_on,
            status=row.status,
            summary=row.summary,
            completed_at=local(row.completed_at),
            event_sequence=row.event_seq,
            team_id=row.team_id,
            department_id=row.department_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Inspection | None]:
        return await nodes_from(info.context.loaders.inspection_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="The inspecting team.")
    async def team(self, info: Info) -> InspectionTeam:
        row = await info.context.loaders.inspection_team_by_id.load(self.team_id)
        assert row is not None, "foreign key guarantees the team"
        return InspectionTeam.from_model(row)

    @strawberry.field(description="The department inspected.")
    async def department(self, info: Info) -> Annotated["Department", strawberry.lazy("schema.nodes.department")]:
        row = await info.context.loaders.department_by_id.load(self.department_id)
        assert row is not None, "foreign key guarantees the department"
        return department_schema.Department.from_model(row)

    @strawberry.field(description="The cases sampled (public), once its day has come.")
    async def sampled_cases(self, info: Info) -> list[Annotated["Case", strawberry.lazy("schema.nodes.case")]]:
        sampled = await info.context.loaders.inspected_cases_by_inspection_id.load(self.id)
        rows = await info.context.loaders.case_by_id.load_many([row.case_id for row in sampled])
        return [case_schema.Case.from_model(row) for row in rows if row is not None]

    @strawberry.field(description="What it found, in aggregate (public); null until recorded.")
    async def outcomes(self, info: Info) -> InspectionOutcomeCounts | None:
        if self.status is not models.InspectionStatus.COMPLETED:
            return None
        rows = await info.context.loaders.inspected_cases_by_inspection_id.load(self.id)
        return InspectionOutcomeCounts.of(
            {outcome: sum(row.outcome is outcome for row in rows) for outcome in models.InspectionOutcome}
        )

    @strawberry.field(
        description="What it found in each sampled case, with the officer concerned and the note. Auditors only: "
        "a disciplinary matter is personal information.",
        permission_classes=[IsAuditor],
    )
    async def findings(self, info: Info) -> list[InspectedCase]:
        return [
            InspectedCase(outcome=row.outcome, note=row.note, case_id=row.case_id, officer_id=row.officer_id)
            for row in await info.context.loaders.inspected_cases_by_inspection_id.load(self.id)
        ]


@strawberry.type(description="A page of inspections, the latest scheduled first.")
class InspectionConnection(relay.Connection[Inspection]):
    _page: strawberry.Private[Page[models.Inspection]]

    @classmethod
    def from_page(cls, page: Page[models.Inspection]) -> InspectionConnection:
        return cls(page_info=page_info_of(page), edges=edges_of(page, Inspection.from_model), _page=page)

    @strawberry.field(description="Number of inspections matching the filter, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()


@strawberry.input(description="Which inspections to list; every criterion given must hold.")
class InspectionFilter:
    team: str | None = strawberry.field(default=None, description="Only this team's (by name).")
    department_id: relay.GlobalID | None = strawberry.field(default=None, description="Only of this department.")
    status: models.InspectionStatus | None = strawberry.field(default=None, description="Only these.")
    scheduled_from: date | None = strawberry.field(default=None, description="Scheduled on or after this day.")
    scheduled_to: date | None = strawberry.field(default=None, description="Scheduled before this day.")


@strawberry.type(description="Public figures over the inspections scheduled in a window.")
class InspectionFigures:
    scheduled: int = strawberry.field(description="Inspections scheduled.")
    completed: int = strawberry.field(description="Of those, recorded.")
    cases_sampled: int = strawberry.field(description="Cases the recorded ones sampled.")
    outcomes: InspectionOutcomeCounts = strawberry.field(description="What they found, in aggregate.")


async def inspection_teams(info: Info) -> list[InspectionTeam]:
    return [InspectionTeam.from_model(row) for row in await inspections.teams(info.context)]


async def resolve_inspections(
    info: Info,
    filter: Annotated[InspectionFilter | None, strawberry.argument(description="Which; none: all.")] = None,
    first: FirstArgument = None,
    after: AfterArgument = None,
    last: LastArgument = None,
    before: BeforeArgument = None,
) -> InspectionConnection:
    given = filter or InspectionFilter()
    criteria = inspections.InspectionFilter(
        team=given.team,
        department_id=optional_db_id_for(given.department_id, "Department", "filter.departmentId"),
        status=given.status,
        scheduled_from=given.scheduled_from,
        scheduled_to=given.scheduled_to,
    )
    return InspectionConnection.from_page(
        await inspections.list_inspections(info.context, criteria, Slice(first, after, last, before))
    )


async def inspection_figures(
    info: Info,
    from_: Annotated[date, strawberry.argument(name="from", description="First day (inclusive, Asia/Seoul).")],
    to: Annotated[date, strawberry.argument(description="Last day (exclusive).")],
) -> InspectionFigures:
    counted = await inspections.figures(info.context, from_, to)
    return InspectionFigures(
        scheduled=counted.scheduled,
        completed=counted.completed,
        cases_sampled=counted.cases_sampled,
        outcomes=InspectionOutcomeCounts.of(counted.outcomes),
    )
