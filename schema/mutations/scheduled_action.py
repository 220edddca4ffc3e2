"""scheduleAction, rescheduleAction, completeAction, cancelAction."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

import models
from resolvers.workflow import actions
from schema.enums import RescheduleReason
from schema.ids import db_id_for
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, as_officer
from schema.mutations.step import OCCURRED_AT
from schema.scheduled_action import ScheduledAction
from schema.time import aware


@strawberry.type(description="The scheduled action a mutation changed.")
class ScheduledActionPayload:
    action: ScheduledAction = strawberry.field(description="The action, as it is now.")


ScheduledActionResult = Annotated[
    ScheduledActionPayload | WorkflowError,
    strawberry.union("ScheduledActionResult", description="The action or a refusal."),
]


def _payload(row: models.ScheduledAction | WorkflowError) -> ScheduledActionPayload | WorkflowError:
    return row if isinstance(row, WorkflowError) else ScheduledActionPayload(action=ScheduledAction.from_model(row))


@strawberry.input(description="Announce a next action on a case.")
class ScheduleActionInput:
    case_id: relay.GlobalID = strawberry.field(description="The case.")
    description: str = strawberry.field(description="What will happen, at most 200 characters (public).")
    scheduled_for: datetime = strawberry.field(description="When it is planned; must lie in the future.")


@strawberry.input(description="Move a scheduled action; the old date and the reason are kept.")
class RescheduleActionInput:
    action_id: relay.GlobalID = strawberry.field(description="The action.")
    scheduled_for: datetime = strawberry.field(description="The new time; must lie in the future.")
    reason: RescheduleReason = strawberry.field(description="Why it moves.")
    note: str | None = strawberry.field(default=None, description="More detail, at most 500 characters (public).")


@strawberry.input(description="Record that a scheduled action was carried out.")
class CompleteActionInput:
    action_id: relay.GlobalID = strawberry.field(description="The action.")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input(description="Call off a scheduled action.")
class CancelActionInput:
    action_id: relay.GlobalID = strawberry.field(description="The action; it must still be scheduled.")
    reason: str = strawberry.field(description="Why it is called off, at most 500 characters (public).")


async def schedule_action(
    info: Info,
    input: Annotated[ScheduleActionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> ScheduledActionResult:
    return _payload(
        await as_officer(
            info,
            "scheduleAction",
            input,
            idempotency_key,
            lambda session, officer: actions.schedule(
                session,
                officer,
                info.context.policy,
                db_id_for(input.case_id, "Case", "caseId"),
                input.description,
                aware(input.scheduled_for),
            ),
        )
    )


async def reschedule_action(
    info: Info,
    input: Annotated[RescheduleActionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> ScheduledActionResult:
    return _payload(
        await as_officer(
            info,
            "rescheduleAction",
            input,
            idempotency_key,
            lambda session, officer: actions.reschedule(
                session,
                officer,
                info.context.policy,
                db_id_for(input.action_id, "ScheduledAction", "actionId"),
                aware(input.scheduled_for),
                input.reason,
                input.note,
            ),
        )
    )


async def complete_action(
    info: Info,
    input: Annotated[CompleteActionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> ScheduledActionResult:
    return _payload(
        await as_officer(
            info,
            "completeAction",
            input,
            idempotency_key,
            lambda session, officer: actions.complete(
                session,
                officer,
                info.context.policy,
                db_id_for(input.action_id, "ScheduledAction", "actionId"),
                aware(input.occurred_at),
            ),
        )
    )


async def cancel_action(
    info: Info,
    input: Annotated[CancelActionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> ScheduledActionResult:
    return _payload(
        await as_officer(
            info,
            "cancelAction",
            input,
            idempotency_key,
            lambda session, officer: actions.cancel(
                session,
                officer,
                info.context.policy,
                db_id_for(input.action_id, "ScheduledAction", "actionId"),
                input.reason,
            ),
        )
    )
