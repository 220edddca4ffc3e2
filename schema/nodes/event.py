from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

import models
from resolvers.pagination import Page
from schema.enums import EventType
from schema.ids import nodes_from
from schema.info import Info
from schema.nodes import case as case_schema
from schema.nodes import officer as officer_schema
from schema.nodes import step as step_schema
from schema.pagination import edges_of, page_info_of
from schema.rows import from_row

if TYPE_CHECKING:
    from schema.nodes.case import Case
    from schema.nodes.officer import Officer
    from schema.nodes.step import Step


@strawberry.type(
    description="One state change, from the append-only log. Sequence numbers are gapless and totally ordered: "
    "a client that has seen N has seen everything before it, and can detect a gap."
)
class Event(relay.Node):
    id: relay.NodeID[int]
    sequence: int = strawberry.field(description="Position in the log: gapless, starting at 1.")
    leaf_index: int = strawberry.field(description="Its leaf in the ledger's Merkle tree (sequence − 1).")
    type: EventType = strawberry.field(description="What kind of change it was.")
    occurred_at: datetime = strawberry.field(description="When it legally happened (Asia/Seoul).")
    recorded_at: datetime = strawberry.field(
        description="When it was entered (Asia/Seoul); the gap to `occurredAt` is the input delay."
    )
    payload: JSON = strawberry.field(description="The change's public details (never applicant data).")
    case_id: strawberry.Private[int | None]
    step_id: strawberry.Private[int | None]
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Event) -> Event:
        return from_row(
            cls,
            row,
            id=row.seq,
            sequence=row.seq,
            leaf_index=row.seq - 1,
            payload=cast(JSON, row.payload),
            actor_id=row.actor_officer_id,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Event | None]:
        return await nodes_from(info.context.loaders.event_by_seq, node_ids, cls.from_model, required)

    @strawberry.field(description="The case it changed, if any.")
    async def case(self, info: Info) -> Annotated["Case", strawberry.lazy("schema.nodes.case")] | None:
        if self.case_id is None:
            return None
        row = await info.context.loaders.case_by_id.load(self.case_id)
        return None if row is None else case_schema.Case.from_model(row)

    @strawberry.field(description="The step it changed, if any.")
    async def step(self, info: Info) -> Annotated["Step", strawberry.lazy("schema.nodes.step")] | None:
        if self.step_id is None:
            return None
        row = await info.context.loaders.step_by_id.load(self.step_id)
        return None if row is None else step_schema.Step.from_model(row)

    @strawberry.field(description="The officer who made the change; null for the applicant's own submissions.")
    async def actor(self, info: Info) -> Annotated["Officer", strawberry.lazy("schema.nodes.officer")] | None:
        if self.actor_id is None:
            return None
        row = await info.context.loaders.officer_by_id.load(self.actor_id)
        return None if row is None else officer_schema.Officer.from_model(row)


@strawberry.type(description="A page of events in sequence order; each cursor is the event's sequence number.")
class EventConnection(relay.Connection[Event]):
    _page: strawberry.Private[Page[models.Event]]

    @classmethod
    def from_page(cls, page: Page[models.Event]) -> EventConnection:
        return cls(page_info=page_info_of(page), edges=edges_of(page, Event.from_model), _page=page)

    @strawberry.field(description="Number of events in the list, across all pages.")
    async def total_count(self) -> int:
        return await self._page.count()
