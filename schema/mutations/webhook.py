"""Administrators subscribe an organisation's HTTPS endpoint to public events (registerWebhook), then pause,
resume, delete it or rotate its secret."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

import models
from resolvers import webhooks
from resolvers.idempotency import Attempt
from schema.enums import EventType
from schema.ids import optional_db_id_for
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, arguments_of, run
from schema.webhook import Webhook


@strawberry.input(description="An endpoint to push public events to, and which events.")
class RegisterWebhookInput:
    url: str = strawberry.field(description="https:// endpoint (http:// only on loopback, for testing).")
    task_type_code: str | None = strawberry.field(default=None, description="Only events of this task type.")
    department_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only events of cases handled by this department or a unit below it."
    )
    types: list[EventType] | None = strawberry.field(default=None, description="Only these kinds of event.")
    after: int | None = strawberry.field(
        default=None, description="Start after this sequence number (default: from now)."
    )


@strawberry.type(description="A registered webhook and the secret that signs its deliveries.")
class RegisteredWebhook:
    id: int = strawberry.field(description="The webhook's number.")
    url: str = strawberry.field(description="Where deliveries go.")
    secret: str = strawberry.field(
        description="Verify each delivery: `X-OPEN-Signature: v1=` HMAC-SHA256 of `<X-OPEN-Timestamp>.<body>`."
    )
    delivered_through: int = strawberry.field(description="Deliveries resume after this sequence number.")


WebhookResult = Annotated[
    RegisteredWebhook | WorkflowError, strawberry.union("WebhookResult", description="The webhook or a refusal.")
]


async def register_webhook(
    info: Info,
    input: Annotated[RegisterWebhookInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> WebhookResult:
    officer = await info.context.officer()
    watch_filter: dict[str, Any] = {
        "taskTypeCode": input.task_type_code,
        "departmentId": optional_db_id_for(input.department_id, "Department", "departmentId"),
        "types": [kind.value for kind in input.types or ()],
    }

    async def write(session: AsyncSession) -> models.Webhook:
        hook, _ = await webhooks.register(
            session, officer, input.url, watch_filter, input.after, info.context.policy.webhook_targets
        )
        return hook

    attempt = Attempt(f"officer:{officer.id}", "registerWebhook", idempotency_key, arguments_of(input))
    result = await run(info, attempt, write)
    if isinstance(result, WorkflowError):
        return result
    return RegisteredWebhook(
        id=result.id, url=result.url, secret=result.secret, delivered_through=result.delivered_through
    )


WEBHOOK_ID_DESCRIPTION = "The webhook's number, as `registerWebhook` or the `webhooks` query gave it."


@strawberry.input(description="The webhook to pause.")
class PauseWebhookInput:
    webhook_id: int = strawberry.field(description=WEBHOOK_ID_DESCRIPTION)


@strawberry.input(description="The webhook to resume.")
class ResumeWebhookInput:
    webhook_id: int = strawberry.field(description=WEBHOOK_ID_DESCRIPTION)


@strawberry.input(description="The webhook to delete.")
class DeleteWebhookInput:
    webhook_id: int = strawberry.field(description=WEBHOOK_ID_DESCRIPTION)


@strawberry.input(description="The webhook whose secret to replace.")
class RotateWebhookSecretInput:
    webhook_id: int = strawberry.field(description=WEBHOOK_ID_DESCRIPTION)


WebhookChangeResult = Annotated[
    Webhook | WorkflowError,
    strawberry.union("WebhookChangeResult", description="The webhook as it now is, or a refusal."),
]
WebhookInput = PauseWebhookInput | ResumeWebhookInput | DeleteWebhookInput | RotateWebhookSecretInput


async def _change(
    info: Info, operation: str, input: WebhookInput, change: Callable[[AsyncSession], Awaitable[models.Webhook]]
) -> WebhookChangeResult:
    # No idempotency key: pausing and resuming may simply be repeated, a repeated delete finds nothing to delete.
    officer = await info.context.officer()
    result = await run(info, Attempt(f"officer:{officer.id}", operation, None, arguments_of(input)), change)
    return result if isinstance(result, WorkflowError) else Webhook.from_model(result)


async def pause_webhook(
    info: Info, input: Annotated[PauseWebhookInput, strawberry.argument(description=INPUT_DESCRIPTION)]
) -> WebhookChangeResult:
    return await _change(info, "pauseWebhook", input, lambda session: webhooks.pause(session, input.webhook_id))


async def resume_webhook(
    info: Info, input: Annotated[ResumeWebhookInput, strawberry.argument(description=INPUT_DESCRIPTION)]
) -> WebhookChangeResult:
    return await _change(info, "resumeWebhook", input, lambda session: webhooks.resume(session, input.webhook_id))


async def delete_webhook(
    info: Info, input: Annotated[DeleteWebhookInput, strawberry.argument(description=INPUT_DESCRIPTION)]
) -> WebhookChangeResult:
    return await _change(info, "deleteWebhook", input, lambda session: webhooks.delete(session, input.webhook_id))


async def rotate_webhook_secret(
    info: Info, input: Annotated[RotateWebhookSecretInput, strawberry.argument(description=INPUT_DESCRIPTION)]
) -> WebhookResult:
    # No idempotency key either: a retry issues yet another secret, and the last one returned is the one in use.
    officer = await info.context.officer()

    async def write(session: AsyncSession) -> models.Webhook:
        hook, _ = await webhooks.rotate_secret(session, input.webhook_id)
        return hook

    attempt = Attempt(f"officer:{officer.id}", "rotateWebhookSecret", None, arguments_of(input))
    result = await run(info, attempt, write)
    if isinstance(result, WorkflowError):
        return result
    return RegisteredWebhook(
        id=result.id, url=result.url, secret=result.secret, delivered_through=result.delivered_through
    )
