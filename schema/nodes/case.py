from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from resolvers import case as case_resolvers
from resolvers.dataloaders import ALL_HOLIDAYS
from resolvers.events import list_events
from resolvers.oversight.clock import clock_of
from resolvers.oversight.prediction import Prediction, PredictionOutlook, predict
from resolvers.own_case import all_documents
from resolvers.pagination import Page, Slice
from schema import scheduled_action as scheduled_action_schema
from schema.case_filter import CaseFilter
from schema.clock import CompletionPrediction, StatutoryClock
from schema.enums import CaseStatus
from schema.event_arguments import AfterSequenceArgument
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import delay as delay_schema
from schema.nodes import department as department_schema
from schema.nodes import document as document_schema
from schema.nodes import event as event_schema
from schema.nodes import step as step_schema
from schema.nodes import task_type as task_type_schema
from schema.pagination import FirstArgument, edges_of, page_info_of
from schema.permissions import IsAuditor
from schema.rows import from_row
from schema.time import past_due

if TYPE_CHECKING:
    from schema.nodes.delay import Delay
    from schema.nodes.department import Department
    from schema.nodes.document import Document
    from schema.nodes.event import EventConnection
    from schema.nodes.step import Step
    from schema.nodes.task_type import TaskType
    from schema.scheduled_action import ScheduledAction


@strawberry.type(description="A disclosed permit or enforcement case (민원·처분 사건), with its approval line.")
class Case(relay.Node):
    id: relay.NodeID[int]
    receipt_no: str = strawberry.field(description="Public receipt number (접수번호), the applicant's handle on it.")
    title: str = strawberry.field(description="What the case is about, in Korean.")
    location: str = strawberry.field(description="Address or site the case concerns.")
    status: CaseStatus = strawberry.field(description="Where the case stands.")
    received_at: datetime = strawberry.field(description="When it was received (Asia/Seoul).")
    due_at: datetime = strawberry.field(description="Statutory deadline for a decision (Asia/Seoul).")
    closed_at: datetime | None = strawberry.field(description="When it was closed (Asia/Seoul).")
    result: str | None = strawberry.field(description="The outcome, once decided (처리결과).")
    page_views: int = strawberry.field(description="How many times its public page was viewed.")
    task_type_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    _row: strawberry.Private[models.Case]

    @classmethod
    def from_model(cls, row: models.Case) -> Case:
        return from_row(
            cls,
            row,
            page_views=row.view_count,
            _row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Case | None]:
        return await nodes_from(info.context.loaders.case_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="True when the case was closed after its deadline, or is still open past it.")
    def is_overdue(self) -> bool:
        return past_due(self.due_at, self.closed_at)

    @strawberry.field(description="The statutory clock: working days allowed, used and left.")
    async def clock(self, info: Info) -> StatutoryClock:
        task_type = await info.context.loaders.task_type_by_id.load(self.task_type_id)
        assert task_type is not None, "foreign key guarantees the task type"
        holidays = await info.context.loaders.holidays.load(ALL_HOLIDAYS)
        return StatutoryClock.of(clock_of(self._row, task_type, holidays, datetime.now(UTC)))

    @strawberry.field(
        description="Predicted completion; null unless `predictionOutlook` is PREDICTED (it says why not)."
    )
    async def prediction(self, info: Info) -> CompletionPrediction | None:
        return CompletionPrediction.of((await self._prediction(info)).range)

    @strawberry.field(description="Whether a completion is predicted for the case, and why not.")
    async def prediction_outlook(self, info: Info) -> PredictionOutlook:
        return (await self._prediction(info)).outlook

    async def _prediction(self, info: Info) -> Prediction:
        if self.closed_at is not None:
            return Prediction(PredictionOutlook.CLOSED)
        line = await info.context.loaders.steps_by_case_id.load(self.id)
        norms = await info.context.loaders.step_duration_norms_by_task_type_id.load(self.task_type_id)
        holidays = await info.context.loaders.holidays.load(ALL_HOLIDAYS)
        return predict(self._row, line, norms, holidays, datetime.now(UTC))

    @strawberry.field(description="Delays found on this case (processing and input), oldest first.")
    async def delays(self, info: Info) -> list[Annotated["Delay", strawberry.lazy("schema.nodes.delay")]]:
        rows = await info.context.loaders.delays_by_case_id.load(self.id)
        return [delay_schema.Delay.from_model(row) for row in rows]

    @strawberry.field(description="The kind of work this case is.")
    async def task_type(self, info: Info) -> Annotated["TaskType", strawberry.lazy("schema.nodes.task_type")]:
        row = await info.context.loaders.task_type_by_id.load(self.task_type_id)
        assert row is not None, "foreign key guarantees the task type"
        return task_type_schema.TaskType.from_model(row)

    @strawberry.field(description="The department handling the case (처리부서).")
    async def department(self, info: Info) -> Annotated["Department", strawberry.lazy("schema.nodes.department")]:
        row = await info.context.loaders.department_by_id.load(self.department_id)
        assert row is not None, "foreign key guarantees the department"
        return department_schema.Department.from_model(row)

    @strawberry.field(description="The approval line (결재선): every step, in order.")
    async def steps(self, info: Info) -> list[Annotated["Step", strawberry.lazy("schema.nodes.step")]]:
        rows = await info.context.loaders.steps_by_case_id.load(self.id)
        return [step_schema.Step.from_model(row) for row in rows]

    @strawberry.field(description="The step whose turn it is; null when none is open.")
    async def current_step(self, info: Info) -> Annotated["Step", strawberry.lazy("schema.nodes.step")] | None:
        rows = await info.context.loaders.steps_by_case_id.load(self.id)
        open_statuses = (models.StepStatus.IN_PROGRESS, models.StepStatus.RETURNED)
        current = next((row for row in rows if row.status in open_statuses), None)
        return None if current is None else step_schema.Step.from_model(current)

    @strawberry.field(description="Public documents registered on the case, oldest first.")
    async def documents(self, info: Info) -> list[Annotated["Document", strawberry.lazy("schema.nodes.document")]]:
        rows = await info.context.loaders.public_documents_by_case_id.load(self.id)
        return [document_schema.Document.from_model(row) for row in rows]

    @strawberry.field(
        description="Every document of the case, private ones included. Auditors only.",
        permission_classes=[IsAuditor],
    )
    async def audit_documents(
        self, info: Info
    ) -> list[Annotated["Document", strawberry.lazy("schema.nodes.document")]]:
        return [document_schema.Document.from_model(row) for row in await all_documents(info.context, self.id)]

    @strawberry.field(description="Scheduled next actions (향후 처리계획), in date order.")
    async def next_actions(
        self, info: Info
    ) -> list[Annotated["ScheduledAction", strawberry.lazy("schema.scheduled_action")]]:
        rows = await info.context.loaders.scheduled_actions_by_case_id.load(self.id)
        return [scheduled_action_schema.ScheduledAction.from_model(row) for row in rows]

    @strawberry.field(description="The case's history: every change, in sequence order.")
    async def events(
        self, info: Info, after: AfterSequenceArgument = None, first: FirstArgument = None
    ) -> Annotated["EventConnection", strawberry.lazy("schema.nodes.event")]:
        page = await list_events(info.context.sessions, case_id=self.id, after=after, first=first)
        return event_schema.EventConnection.from_page(page)


@strawberry.type(description="A page of cases.")
class CaseConnection(relay.Connection[Case]):
    _page: strawberry.Private[Page[models.Case]]

    @classmethod
    def from_page(cls, page: Page[models.Case]) -> CaseConnection:
        return cls(page_info=page_info_of(page), edges=edges_of(page, Case.from_model), _page=page)

    @strawberry.field(description="Number of cases matching the filter, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()


async def resolve_cases(
    info: Info,
    filter: CaseFilter | None,
    order_by: case_resolvers.CaseOrder,
    window: Slice,
    task_type_id: int | None = None,
) -> CaseConnection:
    criteria = (filter or CaseFilter()).criteria(task_type_id)
    page = await case_resolvers.list_cases(info.context, criteria, order_by, window)
    return CaseConnection.from_page(page)
