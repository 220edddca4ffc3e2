"""submitApplication: the one-stop service, no visit and no officer needed to file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

import models
from resolvers.idempotency import Attempt
from resolvers.workflow import intake
from schema.info import Info
from schema.mutations.case import AccessCodes, ApplicantInput, RegisteredCase
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, arguments_of, run
from schema.nodes.case import Case


@strawberry.input(description="An application filed online by the applicant.")
class ApplicationInput:
    task_type_code: str = strawberry.field(description="The task type's code (e.g. FOD-RST).")
    title: str = strawberry.field(description="What the application is about, at most 200 characters (public).")
    location: str = strawberry.field(description="The address or site concerned, at most 200 characters (public).")
    applicant: ApplicantInput = strawberry.field(description="Who applies (private).")


SubmitApplicationResult = Annotated[
    RegisteredCase | WorkflowError,
    strawberry.union("SubmitApplicationResult", description="The receipt or a refusal."),
]


async def submit_application(
    info: Info,
    input: Annotated[ApplicationInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> SubmitApplicationResult:
    await info.context.limiter.check("submit_application", info.context.client)
    codes = AccessCodes()
    application = intake.Application(
        task_type_code=input.task_type_code,
        title=input.title,
        location=input.location,
        applicant=input.applicant.to_domain(),
    )

    async def write(session: AsyncSession) -> models.Case:
        registered = await intake.submit(session, application, datetime.now(UTC))
        codes.issued[registered.case.id] = registered.access_code
        return registered.case

    attempt = Attempt(
        scope=f"applicant:{info.context.client}",
        operation="submitApplication",
        key=idempotency_key,
        arguments=arguments_of(input),
    )
    result = await run(info, attempt, write, codes.reissue)
    if isinstance(result, WorkflowError):
        return result
    return RegisteredCase(case=Case.from_model(result), access_code=codes.issued[result.id])
