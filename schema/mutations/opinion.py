"""leaveOpinion (anyone, rate-limited), moderateOpinion and answerOpinion (the department concerned)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

import models
from resolvers import opinions
from resolvers.errors import InvalidInput
from resolvers.errors import WorkflowError as DomainWorkflowError
from resolvers.idempotency import Attempt, perform
from schema.ids import db_id_for
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, arguments_of
from schema.opinion import Opinion, OpinionDecision, OpinionSubjectInput

# Every citizen shares one idempotency scope on purpose: a scope per client address would store the address
# beside the opinion it produced. A key reused by someone else can only return an opinion that is public anyway.
CITIZENS = "citizen"


@strawberry.type(description="The opinion a mutation left or changed.")
class OpinionPayload:
    opinion: Opinion = strawberry.field(description="The opinion, as it is now.")


OpinionResult = Annotated[
    OpinionPayload | WorkflowError,
    strawberry.union("OpinionResult", description="The opinion or a refusal."),
]


@strawberry.input(description="A citizen's opinion. Nothing about its author is stored but what is written here.")
class LeaveOpinionInput:
    about: OpinionSubjectInput = strawberry.field(description="What the opinion is about.")
    body: str = strawberry.field(
        description="The opinion, at most 1,000 characters (public). Text that looks like a phone number, e-mail "
        "address or resident registration number is held for a moderator instead of being shown."
    )
    alias: str | None = strawberry.field(
        default=None, description="A name to sign with, at most 30 characters (public); 시민 when left out."
    )


@strawberry.input(description="Publish or hide an opinion, with a public reason.")
class ModerateOpinionInput:
    opinion_id: relay.GlobalID = strawberry.field(description="The opinion.")
    decision: OpinionDecision = strawberry.field(description="Publish or hide it.")
    reason: str = strawberry.field(description="Why, at most 300 characters (public).")


@strawberry.input(description="Answer a published opinion in public, once.")
class AnswerOpinionInput:
    opinion_id: relay.GlobalID = strawberry.field(description="The opinion.")
    answer: str = strawberry.field(description="The answer, at most 2,000 characters (public).")


async def _quietly(
    info: Info, attempt: Attempt, write: Callable[[AsyncSession], Awaitable[models.Opinion]]
) -> OpinionPayload | WorkflowError:
    """`schema.mutations.run.run` without ringing the event bus: opinions append no event, so watchers and webhooks
    have nothing to wake up for."""
    try:
        row, _ = await perform(info.context.sessions, attempt, write)
    except DomainWorkflowError as error:
        return WorkflowError.from_domain(error)
    except InvalidInput as error:
        return WorkflowError.from_input(error)
    return OpinionPayload(opinion=Opinion.from_model(row))


async def _as_officer(
    info: Info,
    operation: str,
    arguments: object,
    key: str | None,
    write: Callable[[AsyncSession, models.Officer], Awaitable[models.Opinion]],
) -> OpinionPayload | WorkflowError:
    """Authentication and permission failures stay top-level errors, as in every officer's mutation."""
    officer = await info.context.officer()
    attempt = Attempt(scope=f"officer:{officer.id}", operation=operation, key=key, arguments=arguments_of(arguments))
    return await _quietly(info, attempt, lambda session: write(session, officer))


async def leave_opinion(
    info: Info,
    input: Annotated[LeaveOpinionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> OpinionResult:
    await info.context.limiter.check("opinion", info.context.client)
    attempt = Attempt(scope=CITIZENS, operation="leaveOpinion", key=idempotency_key, arguments=arguments_of(input))
    return await _quietly(
        info, attempt, lambda session: opinions.leave(session, input.about.to_domain(), input.body, input.alias)
    )


async def moderate_opinion(
    info: Info,
    input: Annotated[ModerateOpinionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> OpinionResult:
    return await _as_officer(
        info,
        "moderateOpinion",
        input,
        idempotency_key,
        lambda session, officer: opinions.moderate(
            session,
            officer,
            db_id_for(input.opinion_id, "Opinion", "opinionId"),
            input.decision.value,
            input.reason,
        ),
    )


async def answer_opinion(
    info: Info,
    input: Annotated[AnswerOpinionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> OpinionResult:
    return await _as_officer(
        info,
        "answerOpinion",
        input,
        idempotency_key,
        lambda session, officer: opinions.answer(
            session, officer, db_id_for(input.opinion_id, "Opinion", "opinionId"), input.answer
        ),
    )
