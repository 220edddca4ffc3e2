"""explainDelay (a department answers for a delay), and the public view counters."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from resolvers.errors import WorkflowCode
from resolvers.errors import WorkflowError as DomainWorkflowError
from resolvers.oversight import counters, delays
from schema.ids import db_id_for
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, as_officer
from schema.nodes.delay import Delay


@strawberry.type(description="The delay, with its explanation.")
class DelayPayload:
    delay: Delay = strawberry.field(description="The delay, as it is now.")


DelayResult = Annotated[
    DelayPayload | WorkflowError, strawberry.union("DelayResult", description="The delay or a refusal.")
]


@strawberry.input(description="The department's public explanation of a delay (Seoul required one).")
class ExplainDelayInput:
    delay_id: relay.GlobalID = strawberry.field(description="The delay.")
    explanation: str = strawberry.field(
        description=f"Why it happened, at most {delays.EXPLANATION_LIMIT} characters (public; a later explanation "
        "replaces it on the delay, the event log keeps both)."
    )


async def explain_delay(
    info: Info,
    input: Annotated[ExplainDelayInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> DelayResult:
    explained = await as_officer(
        info,
        "explainDelay",
        input,
        idempotency_key,
        lambda session, officer: delays.explain(
            session, officer, db_id_for(input.delay_id, "Delay", "delayId"), input.explanation
        ),
    )
    return explained if isinstance(explained, WorkflowError) else DelayPayload(delay=Delay.from_model(explained))


@strawberry.type(description="A view counted.")
class ViewCount:
    views: int = strawberry.field(description="Views so far, this one included.")


ViewCountResult = Annotated[
    ViewCount | WorkflowError, strawberry.union("ViewCountResult", description="The count or a refusal.")
]


def _counted(count: int | None, field: str) -> ViewCount | WorkflowError:
    if count is None:
        return WorkflowError.from_domain(DomainWorkflowError(WorkflowCode.NOT_FOUND, "no such public page", field))
    return ViewCount(views=count)


async def record_case_view(
    info: Info, receipt_no: Annotated[str, strawberry.argument(description="The case's receipt number.")]
) -> ViewCountResult:
    await info.context.limiter.check("view", info.context.client)
    async with info.context.sessions() as session, session.begin():
        count = await counters.record_case_view(session, receipt_no)
    return _counted(count, "receiptNo")


async def record_document_view(
    info: Info, document_id: Annotated[relay.GlobalID, strawberry.argument(description="The public document.")]
) -> ViewCountResult:
    await info.context.limiter.check("view", info.context.client)
    document = db_id_for(document_id, "Document", "documentId")
    async with info.context.sessions() as session, session.begin():
        count = await counters.record_document_view(session, document)
    return _counted(count, "documentId")
