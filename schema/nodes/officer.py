from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from resolvers.officer import list_steps_of_officer
from resolvers.pagination import Page, Slice
from schema.enums import StepStatus
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import department as department_schema
from schema.nodes import step as step_schema
from schema.pagination import AfterArgument, BeforeArgument, FirstArgument, LastArgument, edges_of, page_info_of
from schema.rows import from_row

if TYPE_CHECKING:
    from schema.nodes.department import Department
    from schema.nodes.step import StepConnection


@strawberry.type(description="A public official who handles or signs steps; contacts are the public work ones.")
class Officer(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Full name, in Korean.")
    title: str = strawberry.field(description="Position title (e.g. 주무관, 팀장, 과장).")
    email: str = strawberry.field(description="Public work e-mail address.")
    phone: str = strawberry.field(description="Public work phone number.")
    department_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Officer) -> Officer:
        return from_row(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Officer | None]:
        return await nodes_from(info.context.loaders.officer_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="The department the officer works in.")
    async def department(self, info: Info) -> Annotated["Department", strawberry.lazy("schema.nodes.department")]:
        row = await info.context.loaders.department_by_id.load(self.department_id)
        assert row is not None, "foreign key guarantees the department"
        return department_schema.Department.from_model(row)

    @strawberry.field(description="Steps assigned to this officer, newest first.")
    async def steps(
        self,
        info: Info,
        status: Annotated[
            list[StepStatus] | None, strawberry.argument(description="Only steps in one of these statuses.")
        ] = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Annotated["StepConnection", strawberry.lazy("schema.nodes.step")]:
        page = await list_steps_of_officer(
            info.context, self.id, frozenset(status or ()), Slice(first, after, last, before)
        )
        return step_schema.StepConnection.from_page(page)


@strawberry.type(description="A page of officers.")
class OfficerConnection(relay.Connection[Officer]):
    _page: strawberry.Private[Page[models.Officer]]

    @classmethod
    def from_page(cls, page: Page[models.Officer]) -> OfficerConnection:
        return cls(page_info=page_info_of(page), edges=edges_of(page, Officer.from_model), _page=page)

    @strawberry.field(description="Number of officers matching the criteria, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()
