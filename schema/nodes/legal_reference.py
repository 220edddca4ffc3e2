from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import task_type as task_type_schema
from schema.rows import from_row

if TYPE_CHECKING:
    from schema.nodes.task_type import StepTemplate, TaskType


@strawberry.type(description="An article of law (법령 조문) that a task or an approval step rests on.")
class LegalReference(relay.Node):
    id: relay.NodeID[int]
    law: str = strawberry.field(description="Name of the law, in Korean (e.g. 건축법).")
    article: str = strawberry.field(description="The article (e.g. 제11조).")
    title: str = strawberry.field(description="Heading of the article (e.g. 건축허가).")
    excerpt: str = strawberry.field(description="A short summary of what the article provides.")
    url: str = strawberry.field(description="Link to the article on the national law information site (law.go.kr).")

    @classmethod
    def from_model(cls, row: models.LegalReference) -> LegalReference:
        return from_row(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LegalReference | None]:
        return await nodes_from(info.context.loaders.legal_reference_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="Task types that cite this article.")
    async def task_types(self, info: Info) -> list[Annotated["TaskType", strawberry.lazy("schema.nodes.task_type")]]:
        rows = await info.context.loaders.task_types_by_legal_reference_id.load(self.id)
        return [task_type_schema.TaskType.from_model(row) for row in rows]

    @strawberry.field(description="Approval-line steps that rest on this article.")
    async def step_templates(
        self, info: Info
    ) -> list[Annotated["StepTemplate", strawberry.lazy("schema.nodes.task_type")]]:
        rows = await info.context.loaders.step_templates_by_legal_reference_id.load(self.id)
        return [task_type_schema.StepTemplate.from_model(row) for row in rows]
