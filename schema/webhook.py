"""Webhooks as administrators manage them: where they point, what they receive, how far delivery got; never the
secret, which is shown only by `registerWebhook` and `rotateWebhookSecret`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

import models
from resolvers import webhooks
from schema import department as department_schema
from schema import officer as officer_schema
from schema.enums import EventType, to_graphql
from schema.info import Info
from schema.permissions import IsAdministrator
from schema.time import local

if TYPE_CHECKING:
    from schema.department import Department
    from schema.officer import Officer


@strawberry.enum(description="Whether a webhook receives deliveries.")
class WebhookStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="Events are delivered as they are recorded.")
    PAUSED = strawberry.enum_value(
        "paused", description="Nothing is sent; `resumeWebhook` delivers what was missed, after `deliveredThrough`."
    )
    DELETED = strawberry.enum_value("deleted", description="Gets nothing more; seen only in `deleteWebhook`'s result.")


@strawberry.type(description="A webhook: its endpoint, its filter and how far delivery got. Never its secret.")
class Webhook:
    id: int = strawberry.field(description="The webhook's number.")
    url: str = strawberry.field(description="Where deliveries go.")
    task_type_code: str | None = strawberry.field(description="Only events of this task type; null: of every one.")
    types: list[EventType] = strawberry.field(description="Only these kinds of event; empty: every kind.")
    status: WebhookStatus = strawberry.field(description="Whether it receives deliveries.")
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
            types=[to_graphql(EventType, kind) for kind in models.EventType if kind in watch.event_types],
            status=to_graphql(WebhookStatus, row.status),
            delivered_through=row.delivered_through,
            failures=row.failures,
            next_attempt_at=local(row.next_attempt_at),
            created_at=local(row.created_at),
            department_id=watch.department_id,
            created_by_id=row.created_by_id,
        )

    @strawberry.field(description="Only events of cases handled by this department or a unit below it; null: all.")
    async def department(self, info: Info) -> Annotated[Department, strawberry.lazy("schema.department")] | None:
        if self.department_id is None:
            return None
        row = await info.context.loaders.department_by_id.load(self.department_id)
        return None if row is None else department_schema.Department.from_model(row)

    @strawberry.field(description="The administrator who registered it.")
    async def created_by(self, info: Info) -> Annotated[Officer, strawberry.lazy("schema.officer")]:
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
