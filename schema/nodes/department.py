from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from schema.cost import ListSize
from schema.enums import DepartmentLevel
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import officer as officer_schema
from schema.rows import from_row

if TYPE_CHECKING:
    from schema.nodes.officer import Officer


@strawberry.type(description="A unit of the city's organisation (시 → 실·국 → 과 → 팀) that handles cases.")
class Department(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="The city's organisation code of the unit.")
    name: str = strawberry.field(description="Name of the unit, in Korean.")
    level: DepartmentLevel = strawberry.field(description="Where the unit sits in the tree.")
    phone: str = strawberry.field(description="The unit's public phone number.")
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Department) -> Department:
        return from_row(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Department | None]:
        return await nodes_from(info.context.loaders.department_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="The unit this one belongs to; null for the city itself.")
    async def parent(self, info: Info) -> Department | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.department_by_id.load(self.parent_id)
        return None if row is None else Department.from_model(row)

    # Seoul's 485 units under one city hall branch about eight ways at each level.
    @strawberry.field(description="The units directly below this one, by code.", directives=[ListSize(assumed_size=8)])
    async def children(self, info: Info) -> list[Department]:
        rows = await info.context.loaders.departments_by_parent_id.load(self.id)
        return [Department.from_model(row) for row in rows]

    @strawberry.field(description="Officers who work directly in this unit.", directives=[ListSize(assumed_size=15)])
    async def officers(self, info: Info) -> list[Annotated["Officer", strawberry.lazy("schema.nodes.officer")]]:
        rows = await info.context.loaders.officers_by_department_id.load(self.id)
        return [officer_schema.Officer.from_model(row) for row in rows]
