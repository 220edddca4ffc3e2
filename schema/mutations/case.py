"""registerCase, resumeCase, rejectCase, withdrawCase, closeCase."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

import models
from resolvers.workflow import cases, intake
from schema.ids import db_id_for, optional_db_id_for
from schema.info import Info
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, as_officer
from schema.mutations.step import OCCURRED_AT
from schema.nodes.case import Case
from schema.time import aware


@strawberry.type(description="The case a mutation changed.")
class CasePayload:
    case: Case = strawberry.field(description="The case, as it is now.")


CaseResult = Annotated[
    CasePayload | WorkflowError, strawberry.union("CaseResult", description="The case or a refusal.")
]


def _payload(row: models.Case | WorkflowError) -> CasePayload | WorkflowError:
    return row if isinstance(row, WorkflowError) else CasePayload(case=Case.from_model(row))


@strawberry.input(description="The applicant's identity and contact: private, never shown by the public API.")
class ApplicantInput:
    name: str = strawberry.field(description="Full name, at most 100 characters.")
    phone: str = strawberry.field(description="Phone number, at most 20 characters.")
    email: str = strawberry.field(description="E-mail address, at most 100 characters.")
    address: str = strawberry.field(description="Postal address, at most 200 characters.")

    def to_domain(self) -> intake.ApplicantDetails:
        return intake.ApplicantDetails(name=self.name, phone=self.phone, email=self.email, address=self.address)


@strawberry.input(description="A case registered at the counter by an officer.")
class RegisterCaseInput:
    task_type_code: str = strawberry.field(description="The task type's code (e.g. BLD-PMT).")
    title: str = strawberry.field(description="What the case is about, at most 200 characters (public).")
    location: str = strawberry.field(description="The address or site concerned, at most 200 characters (public).")
    applicant: ApplicantInput = strawberry.field(description="Who applies (private).")
    department_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Handling department; default: the officer's own."
    )
    received_at: datetime | None = strawberry.field(default=None, description="When it was received. " + OCCURRED_AT)

    def application(self) -> intake.Application:
        return intake.Application(
            task_type_code=self.task_type_code,
            title=self.title,
            location=self.location,
            applicant=self.applicant.to_domain(),
        )


@strawberry.type(description="A newly registered case and the applicant's one-time access code.")
class RegisteredCase:
    case: Case = strawberry.field(description="The case, with its approval line.")
    access_code: str = strawberry.field(
        description="Give this to the applicant: with the receipt number it opens their private view (`myCase`). "
        "It is shown only here and stored only as a hash."
    )


RegisterCaseResult = Annotated[
    RegisteredCase | WorkflowError, strawberry.union("RegisterCaseResult", description="The new case or a refusal.")
]


@dataclass
class AccessCodes:
    """The access code exists only in the response that issues it, so a retried intake issues a fresh one
    (and the first stops working): it is never stored in the clear, not even for replays."""

    issued: dict[int, str] = field(default_factory=dict)

    async def reissue(self, session: AsyncSession, case: models.Case) -> None:
        self.issued[case.id] = await intake.reissue_access_code(session, case)


@strawberry.input(description="Resume a case whose supplements arrived; the clock gives back the paused time.")
class ResumeCaseInput:
    case_id: relay.GlobalID = strawberry.field(description="The case.")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input(description="Refuse the case and close it.")
class RejectCaseInput:
    case_id: relay.GlobalID = strawberry.field(description="The case.")
    reason: str = strawberry.field(description="The grounds, at most 500 characters (public).")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input(description="Record that the applicant withdrew the case (취하), and close it.")
class WithdrawCaseInput:
    case_id: relay.GlobalID = strawberry.field(description="The case.")
    note: str | None = strawberry.field(default=None, description="A public note, at most 500 characters.")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input(description="Record the result of a case whose steps are all signed, and close it.")
class CloseCaseInput:
    case_id: relay.GlobalID = strawberry.field(description="The case.")
    result: str = strawberry.field(description="The outcome (처리결과), at most 500 characters (public).")
    occurred_at: datetime | None = strawberry.field(default=None, description=OCCURRED_AT)


async def register_case(
    info: Info,
    input: Annotated[RegisterCaseInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> RegisterCaseResult:
    codes = AccessCodes()

    async def write(session: AsyncSession, officer: models.Officer) -> models.Case:
        registered = await intake.register(
            session,
            officer,
            info.context.policy,
            input.application(),
            optional_db_id_for(input.department_id, "Department", "departmentId"),
            aware(input.received_at),
        )
        codes.issued[registered.case.id] = registered.access_code
        return registered.case

    result = await as_officer(info, "registerCase", input, idempotency_key, write, codes.reissue)
    if isinstance(result, WorkflowError):
        return result
    return RegisteredCase(case=Case.from_model(result), access_code=codes.issued[result.id])


async def resume_case(
    info: Info,
    input: Annotated[ResumeCaseInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> CaseResult:
    return _payload(
        await as_officer(
            info,
            "resumeCase",
            input,
            idempotency_key,
            lambda session, officer: cases.resume(
                session,
                officer,
                info.context.policy,
                db_id_for(input.case_id, "Case", "caseId"),
                aware(input.occurred_at),
            ),
        )
    )


async def reject_case(
    info: Info,
    input: Annotated[RejectCaseInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> CaseResult:
    return _payload(
        await as_officer(
            info,
            "rejectCase",
            input,
            idempotency_key,
            lambda session, officer: cases.reject(
                session,
                officer,
                info.context.policy,
                db_id_for(input.case_id, "Case", "caseId"),
                input.reason,
                aware(input.occurred_at),
            ),
        )
    )


async def withdraw_case(
    info: Info,
    input: Annotated[WithdrawCaseInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> CaseResult:
    return _payload(
        await as_officer(
            info,
            "withdrawCase",
            input,
            idempotency_key,
            lambda session, officer: cases.withdraw(
                session,
                officer,
                info.context.policy,
                db_id_for(input.case_id, "Case", "caseId"),
                input.note,
                aware(input.occurred_at),
            ),
        )
    )


async def close_case(
    info: Info,
    input: Annotated[CloseCaseInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> CaseResult:
    return _payload(
        await as_officer(
            info,
            "closeCase",
            input,
            idempotency_key,
            lambda session, officer: cases.close(
                session,
                officer,
                info.context.policy,
                db_id_for(input.case_id, "Case", "caseId"),
                input.result,
                aware(input.occurred_at),
            ),
        )
    )
