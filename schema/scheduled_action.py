from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

import models
from schema.enums import ActionStatus
from schema.ids import nodes_from
from schema.info import Info
from schema.rows import from_row


@strawberry.type(description="A next action announced on a case: an inspection visit, a hearing, a decision date.")
class ScheduledAction(relay.Node):
    id: relay.NodeID[int]
    description: str = strawberry.field(description="What will happen, in Korean.")
    scheduled_for: datetime = strawberry.field(description="When it is planned (Asia/Seoul).")
    status: ActionStatus = strawberry.field(description="Whether it is still planned, done or called off.")
    completed_at: datetime | None = strawberry.field(description="When it was carried out (Asia/Seoul).")

    @classmethod
    def from_model(cls, row: models.ScheduledAction) -> ScheduledAction:
        return from_row(
            cls,
            row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ScheduledAction | None]:
        return await nodes_from(info.context.loaders.scheduled_action_by_id, node_ids, cls.from_model, required)
