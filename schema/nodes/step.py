from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from resolvers.pagination import Page
from schema.enums import StepRole, StepStatus
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import case as case_schema
from schema.nodes import legal_reference as legal_reference_schema
from schema.nodes import officer as officer_schema
from schema.pagination import edges_of, page_info_of
from schema.rows import from_row
from schema.time import past_due

if TYPE_CHECKING:
    from schema.nodes.case import Case
    from schema.nodes.legal_reference import LegalReference
    from schema.nodes.officer import Officer


@strawberry.type(
    description="One step of a case's approval line (결재선): who holds it, when it started, was signed, is due."
)
class Step(relay.Node):
    id: relay.NodeID[int]
    sequence: int = strawberry.field(description="Position in the approval line, from 1.")
    name: str = strawberry.field(description="Name of the step, in Korean (e.g. 현장조사, 과장 결재).")
    role: StepRole = strawberry.field(description="What the step does.")
    status: StepStatus = strawberry.field(description="Where the step stands.")
    started_at: datetime | None = strawberry.field(description="When its turn began (Asia/Seoul).")
    due_at: datetime | None = strawberry.field(description="When it must be signed by (Asia/Seoul).")
    signed_at: datetime | None = strawberry.field(description="When it was signed (Asia/Seoul).")
    comment: str | None = strawberry.field(description="The officer's public comment on the step.")
    case_id: strawberry.Private[int]
    officer_id: strawberry.Private[int]
    signed_by_id: strawberry.Private[int | None]
    legal_basis_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Step) -> Step:
        return from_row(
            cls,
            row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Step | None]:
        return await nodes_from(info.context.loaders.step_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="True when the step was signed after its due time, or is still open past it.")
    def is_overdue(self) -> bool:
        return self.status != StepStatus.SKIPPED and past_due(self.due_at, self.signed_at)

    @strawberry.field(description="The case this step belongs to.")
    async def case(self, info: Info) -> Annotated["Case", strawberry.lazy("schema.nodes.case")]:
        row = await info.context.loaders.case_by_id.load(self.case_id)
        assert row is not None, "foreign key guarantees the case"
        return case_schema.Case.from_model(row)

    @strawberry.field(description="The officer assigned to the step (담당자).")
    async def officer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")]:
        row = await info.context.loaders.officer_by_id.load(self.officer_id)
        assert row is not None, "foreign key guarantees the officer"
        return officer_schema.Officer.from_model(row)

    @strawberry.field(description="The officer who signed the step: the assignee or an allowed delegate.")
    async def signer(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        if self.signed_by_id is None:
            return None
        row = await info.context.loaders.officer_by_id.load(self.signed_by_id)
        return None if row is None else officer_schema.Officer.from_model(row)

    @strawberry.field(description="The article of law the step rests on.")
    async def legal_basis(
        self, info: Info
    ) -> Annotated["LegalReference", strawberry.lazy("schema.nodes.legal_reference")] | None:
        if self.legal_basis_id is None:
            return None
        row = await info.context.loaders.legal_reference_by_id.load(self.legal_basis_id)
        return None if row is None else legal_reference_schema.LegalReference.from_model(row)


@strawberry.type(description="A page of steps.")
class StepConnection(relay.Connection[Step]):
    _page: strawberry.Private[Page[models.Step]]

    @classmethod
    def from_page(cls, page: Page[models.Step]) -> StepConnection:
        return cls(page_info=page_info_of(page), edges=edges_of(page, Step.from_model), _page=page)

    @strawberry.field(description="Number of steps matching the criteria, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()
