from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from resolvers.case import CaseOrder
from resolvers.pagination import Slice
from schema.case_filter import CaseFilterArgument, CaseOrderArgument
from schema.enums import StepRole, TaskCategory
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import case as case_schema
from schema.nodes import legal_reference as legal_reference_schema
from schema.pagination import AfterArgument, BeforeArgument, FirstArgument, LastArgument
from schema.rows import from_row

if TYPE_CHECKING:
    from schema.nodes.case import CaseConnection
    from schema.nodes.legal_reference import LegalReference


@strawberry.type(
    description="A kind of disclosed work (업무) with its introduction (업무소개) and approval-line template."
)
class TaskType(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable short code of the task type.")
    name: str = strawberry.field(description="Name of the task, in Korean (e.g. 건축허가).")
    category: TaskCategory = strawberry.field(description="Kind of administrative work.")
    description: str = strawberry.field(description="What the task is and how it is handled (업무소개).")
    disclosure_reason: str = strawberry.field(description="Why the city discloses this task's cases.")
    statutory_days: int = strawberry.field(
        description="Processing period set by law (법정처리기간), in days; where `periodInLaw` is false, the limit "
        "the city sets itself."
    )
    period_in_law: bool = strawberry.field(
        description="False where no law sets a processing period: enforcement the city starts itself (위반 조치, "
        "처분) is not a civil petition, so 민원처리법's periods do not apply and `statutoryDays` is the city's limit."
    )
    standard_days: int = strawberry.field(description="The city's own target period, in days; never above the law's.")
    fee: str | None = strawberry.field(
        description="What an applicant pays (수수료), as the law or ordinance that sets it says; null where the "
        "city has published none."
    )

    @classmethod
    def from_model(cls, row: models.TaskType) -> TaskType:
        return from_row(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TaskType | None]:
        return await nodes_from(info.context.loaders.task_type_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="The approval-line template: the steps every case of this type goes through.")
    async def approval_line(self, info: Info) -> list[StepTemplate]:
        rows = await info.context.loaders.step_templates_by_task_type_id.load(self.id)
        return [StepTemplate.from_model(row) for row in rows]

    @strawberry.field(description="The laws behind this task.")
    async def legal_references(
        self, info: Info
    ) -> list[Annotated["LegalReference", strawberry.lazy("schema.nodes.legal_reference")]]:
        rows = await info.context.loaders.legal_references_by_task_type_id.load(self.id)
        return [legal_reference_schema.LegalReference.from_model(row) for row in rows]

    @strawberry.field(description="Cases of this task type.")
    async def cases(
        self,
        info: Info,
        filter: CaseFilterArgument = None,
        order_by: CaseOrderArgument = CaseOrder.RECEIVED_AT_DESC,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Annotated["CaseConnection", strawberry.lazy("schema.nodes.case")]:
        return await case_schema.resolve_cases(
            info, filter, order_by, Slice(first, after, last, before), task_type_id=self.id
        )


@strawberry.type(description="One step of a task type's approval-line template; cases copy it at intake.")
class StepTemplate(relay.Node):
    id: relay.NodeID[int]
    sequence: int = strawberry.field(description="Position in the approval line, from 1.")
    name: str = strawberry.field(description="Name of the step, in Korean.")
    role: StepRole = strawberry.field(description="What the step does.")
    standard_days: int = strawberry.field(description="Working days the step is expected to take.")
    task_type_id: strawberry.Private[int]
    legal_reference_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.StepTemplate) -> StepTemplate:
        return from_row(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[StepTemplate | None]:
        return await nodes_from(info.context.loaders.step_template_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="The task type whose approval line this step belongs to.")
    async def task_type(self, info: Info) -> TaskType:
        row = await info.context.loaders.task_type_by_id.load(self.task_type_id)
        assert row is not None, "foreign key guarantees the task type"
        return TaskType.from_model(row)

    @strawberry.field(description="The article of law the step rests on.")
    async def legal_basis(
        self, info: Info
    ) -> Annotated["LegalReference", strawberry.lazy("schema.nodes.legal_reference")] | None:
        if self.legal_reference_id is None:
            return None
        row = await info.context.loaders.legal_reference_by_id.load(self.legal_reference_id)
        return None if row is None else legal_reference_schema.LegalReference.from_model(row)
