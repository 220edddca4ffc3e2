from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from schema.enums import DocumentKind
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import officer as officer_schema
from schema.rows import from_row

if TYPE_CHECKING:
    from schema.nodes.officer import Officer


@strawberry.type(description="A public document registered on a case. Private documents are never disclosed.")
class Document(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title of the document.")
    kind: DocumentKind = strawberry.field(description="Kind of document.")
    registered_at: datetime = strawberry.field(description="When it was registered (Asia/Seoul).")
    view_count: int = strawberry.field(description="How many times it has been viewed.")
    registered_by_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Document) -> Document:
        return from_row(
            cls,
            row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Document | None]:
        return await nodes_from(info.context.loaders.public_document_by_id, node_ids, cls.from_model, required)

    @strawberry.field(description="The officer who registered it.")
    async def registered_by(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")]:
        row = await info.context.loaders.officer_by_id.load(self.registered_by_id)
        assert row is not None, "foreign key guarantees the officer"
        return officer_schema.Officer.from_model(row)
