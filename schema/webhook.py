"""Webhooks as administrators manage them: where they point, what they receive, how far delivery got; never the
secret, which is shown only by `registerWebhook` and `rotateWebhookSecret`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

import models
from resolvers import webhooks
from schema.described import described
from schema.enums import EventType
from schema.info import Info
from schema.nodes import department as department_schema
from schema.nodes import officer as officer_schema
from schema.permissions import IsAdministrator
from schema.time import local

if TYPE_CHECKING:
    from schema.nodes.department import Department
    from schema.nodes.officer import Officer


described(
    models.WebhookStatus,
    "Whether a webhook receives deliveries.",
    {
        models.WebhookStatus.ACTIVE: "Events are delivered as they are recorded.",
        models.WebhookStatus.PAUSED: "Nothing is sent; `resumeWebhook` delivers what was missed, after "
        "`deliveredThrough`.",
        models.WebhookStatus.DELETED: "Gets nothing more; seen only in `deleteWebhook`'s result.",
    },
)


@strawberry.type(description="A webhook: its endpoint, its filter and how far delivery got. Never its secret.")
class Webhook:
    id: int = strawberry.field(description="The webhook's number.")
    url: str = strawberry.field(description="Where deliveries go.")
    task_type_code: str | None = strawberry.field(description="Only events of this task type; null: of every one.")
    types: list[EventType] = strawberry.field(description="Only these kinds of event; empty: every kind.")
    status: models.WebhookStatus = strawberry.field(description="Whether it receives deliveries.")
    delivered_through: int = strawberry.field(
        description="The last sequence number accepted (or passed over, not matching the filter); deliveries "
        "resume after it."
    )
    failures: int = strawberry.field(description="Deliveries failed in a row since the last accepted one.")
    next_attempt_at: datetime = strawberry.field(
        description="When the next delivery may be tried; later than now while backing off after failures (Asia/Seoul)."
    )
    created_at: datetime = strawberry.field(description="When it was registered (Asia/Seoul).")
    department_id: strawberry.Private[int | None]
    created_by_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Webhook) -> Webhook:
        watch = webhooks.watch_of(row)
        return cls(
            id=row.id,
            url=row.url,
            task_type_code=watch.task_type_code,
            types=[kind for kind in EventType if kind in watch.event_types],
            status=row.status,
            delivered_through=row.delivered_through,
            failures=row.failures,
            next_attempt_at=local(row.next_attempt_at),
            created_at=local(row.created_at),
            department_id=watch.department_id,
            created_by_id=row.created_by_id,
        )

    @strawberry.field(description="Only events of cases handled by this department or a unit below it; null: all.")
    async def department(self, info: Info) -> Annotated[Department, strawberry.lazy("schema.nodes.department")] | None:
        if self.department_id is None:
            return None
        row = await info.context.loaders.department_by_id.load(self.department_id)
        return None if row is None else department_schema.Department.from_model(row)

    @strawberry.field(description="The administrator who registered it.")
    async def created_by(self, info: Info) -> Annotated[Officer, strawberry.lazy("schema.nodes.officer")]:
        row = await info.context.loaders.officer_by_id.load(self.created_by_id)
        assert row is not None, "foreign key guarantees the officer"
        return officer_schema.Officer.from_model(row)


async def resolve_webhooks(info: Info) -> list[Webhook]:
    async with info.context.sessions() as session:
        rows = await webhooks.listed(session)
    return [Webhook.from_model(row) for row in rows]


# The root field, whole, so that the Query type only names it.
webhooks_field: list[Webhook] = strawberry.field(
    resolver=resolve_webhooks,
    description="Every webhook not deleted, oldest first, with its delivery state (never its secret). "
    "Administrators only.",
    permission_classes=[IsAdministrator],
)
