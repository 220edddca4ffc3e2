"""startStep, signStep, returnStep, reassignStep."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

import models
from resolvers.workflow import steps
from schema.ids import db_id_for
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, as_officer
from schema.nodes.case import Case
from schema.nodes.step import Step
from schema.time import aware

OCCURRED_AT = "When it happened (default: now). Back-dating is allowed within a limit and is reported as input delay."


@strawberry.type(description="The step a mutation changed, with its case.")
class StepPayload:
    step: Step = strawberry.field(description="The step, as it is now.")

    @strawberry.field(description="The step's case, as it is now.")
    async def case(self, info: Info) -> Case:
        row = await info.context.loaders.case_by_id.load(self.step.case_id)
        assert row is not None
        return Case.from_model(row)


StepResult = Annotated[
    StepPayload | WorkflowError, strawberry.union("StepResult", description="The step or a refusal.")
]


def _payload(row: models.Step | WorkflowError) -> StepPayload | WorkflowError:
    return row if isinstance(row, WorkflowError) else StepPayload(step=Step.from_model(row))


@strawberry.input(description="Begin work on the step whose turn it is.")
class StartStepInput:
    step_id: relay.GlobalID = strawberry.field(description="The step.")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input(description="Sign (approve) the current step.")
class SignStepInput:
    step_id: relay.GlobalID = strawberry.field(description="The step.")
    comment: str | None = strawberry.field(default=None, description="Public comment, at most 1,000 characters.")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input(description="Return the case to the applicant for supplements (보완 요구); the clock stops.")
class ReturnStepInput:
    step_id: relay.GlobalID = strawberry.field(description="The current step.")
    reason: str = strawberry.field(description="What the applicant must supply, at most 500 characters (public).")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input(description="Give an unfinished step to another officer (supervisors, inside their departments).")
class ReassignStepInput:
    step_id: relay.GlobalID = strawberry.field(description="The step.")
    officer_id: relay.GlobalID = strawberry.field(description="The officer who takes it over.")
    reason: str | None = strawberry.field(default=None, description="Why, at most 500 characters (public).")


async def start_step(
    info: Info,
    input: Annotated[StartStepInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> StepResult:
    result = await as_officer(
        info,
        "startStep",
        input,
        idempotency_key,
        lambda session, officer: steps.start(
            session,
            officer,
            info.context.policy,
            db_id_for(input.step_id, "Step", "stepId"),
            aware(input.occurred_at),
        ),
    )
    return _payload(result)


async def sign_step(
    info: Info,
    input: Annotated[SignStepInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> StepResult:
    # Signatures per officer are budgeted: a script signing in bulk is stopped, not an officer at work.
    await info.context.limiter.check("signing", str((await info.context.officer()).id))
    result = await as_officer(
        info,
        "signStep",
        input,
        idempotency_key,
        lambda session, officer: steps.sign(
            session,
            officer,
            info.context.policy,
            db_id_for(input.step_id, "Step", "stepId"),
            input.comment,
            aware(input.occurred_at),
        ),
    )
    return _payload(result)


async def return_step(
    info: Info,
    input: Annotated[ReturnStepInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> StepResult:
    result = await as_officer(
        info,
        "returnStep",
        input,
        idempotency_key,
        lambda session, officer: steps.return_for_supplement(
            session,
            officer,
            info.context.policy,
            db_id_for(input.step_id, "Step", "stepId"),
            input.reason,
            aware(input.occurred_at),
        ),
    )
    return _payload(result)


async def reassign_step(
    info: Info,
    input: Annotated[ReassignStepInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> StepResult:
    result = await as_officer(
        info,
        "reassignStep",
        input,
        idempotency_key,
        lambda session, officer: steps.reassign(
            session,
            officer,
            info.context.policy,
            db_id_for(input.step_id, "Step", "stepId"),
            db_id_for(input.officer_id, "Officer", "officerId"),
            input.reason,
        ),
    )
    return _payload(result)
