"""explainDelay (a department answers for a delay), disposeAuditFinding and awardInputter (what oversight decides),
and the public view counters."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

import models
from resolvers.errors import WorkflowCode
from resolvers.errors import WorkflowError as DomainWorkflowError
from resolvers.oversight import counters, delays, inspections, outcomes
from schema.audit import AuditThresholds, thresholds_of
from schema.ids import db_id_for
from schema.info import Info
from schema.inspection import Inspection
from schema.mutations.errors import WorkflowError
from schema.mutations.run import INPUT_DESCRIPTION, IdempotencyKeyArgument, as_officer
from schema.nodes.delay import Delay
from schema.outcome import AuditDisposition, InputterAward, parse_finding_id
from schema.oversight import parse_month


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


@strawberry.input(description="An auditor's decision on a cyber-audit finding.")
class DisposeAuditFindingInput:
    finding_id: strawberry.ID = strawberry.field(description="The finding (`AuditFinding.id`).")
    disposition: models.Disposition = strawberry.field(description="What was decided.")
    reason: str = strawberry.field(
        description=f"Why, at most {outcomes.REASON_LIMIT} characters (auditors only; the public event says only the "
        "rule and the decision)."
    )
    thresholds: AuditThresholds | None = strawberry.field(
        default=None, description="The thresholds under which the rule reported it (default: each one's default)."
    )


@strawberry.type(description="The decision, as recorded.")
class AuditDispositionPayload:
    disposition: AuditDisposition = strawberry.field(description="The finding's current decision.")


AuditDispositionResult = Annotated[
    AuditDispositionPayload | WorkflowError,
    strawberry.union("AuditDispositionResult", description="The decision or a refusal."),
]


async def dispose_audit_finding(
    info: Info,
    input: Annotated[DisposeAuditFindingInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> AuditDispositionResult:
    decided = await as_officer(
        info,
        "disposeAuditFinding",
        input,
        idempotency_key,
        lambda session, officer: outcomes.dispose(
            session,
            officer,
            info.context,
            parse_finding_id(input.finding_id),
            thresholds_of(input.thresholds),
            input.disposition,
            input.reason,
        ),
    )
    if isinstance(decided, WorkflowError):
        return decided
    return AuditDispositionPayload(disposition=AuditDisposition.from_model(decided))


@strawberry.input(description="A month's award for timely input to an officer of that month's ranking.")
class AwardInputterInput:
    month: str = strawberry.field(description="The month, YYYY-MM (Asia/Seoul); it must be over.")
    officer_id: relay.GlobalID = strawberry.field(
        description="The officer, among the first INPUTTER_AWARDS_PER_MONTH of that month's `officerRanking`."
    )


@strawberry.type(description="The award, as recorded.")
class InputterAwardPayload:
    award: InputterAward = strawberry.field(description="The award.")


InputterAwardResult = Annotated[
    InputterAwardPayload | WorkflowError,
    strawberry.union("InputterAwardResult", description="The award or a refusal."),
]


async def award_inputter(
    info: Info,
    input: Annotated[AwardInputterInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> InputterAwardResult:
    awarded = await as_officer(
        info,
        "awardInputter",
        input,
        idempotency_key,
        lambda session, officer: outcomes.award(
            session,
            officer,
            info.context,
            parse_month(input.month),
            db_id_for(input.officer_id, "Officer", "officerId"),
        ),
    )
    if isinstance(awarded, WorkflowError):
        return awarded
    return InputterAwardPayload(award=InputterAward.from_model(awarded))


@strawberry.input(description="What an inspection found in one sampled case.")
class InspectedCaseInput:
    case_id: relay.GlobalID = strawberry.field(description="A case the inspection sampled.")
    outcome: models.InspectionOutcome = strawberry.field(description="What was found.")
    officer_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The officer it concerns, if any (auditors only)."
    )
    note: str | None = strawberry.field(
        default=None, description=f"A note, at most {inspections.NOTE_LIMIT} characters (auditors only)."
    )


@strawberry.input(description="A recorded standing inspection.")
class RecordInspectionInput:
    inspection_id: relay.GlobalID = strawberry.field(description="The inspection, once its cases are sampled.")
    cases: list[InspectedCaseInput] = strawberry.field(description="One outcome for each sampled case.")
    summary: str = strawberry.field(
        description=f"What the team found, for the public, at most {inspections.SUMMARY_LIMIT} characters."
    )


@strawberry.type(description="The inspection, as recorded.")
class InspectionPayload:
    inspection: Inspection = strawberry.field(description="The inspection.")


InspectionResult = Annotated[
    InspectionPayload | WorkflowError,
    strawberry.union("InspectionResult", description="The inspection or a refusal."),
]


async def record_inspection(
    info: Info,
    input: Annotated[RecordInspectionInput, strawberry.argument(description=INPUT_DESCRIPTION)],
    idempotency_key: IdempotencyKeyArgument = None,
) -> InspectionResult:
    def found() -> list[inspections.CaseOutcome]:
        return [
            inspections.CaseOutcome(
                case_id=db_id_for(one.case_id, "Case", f"cases.{index}.caseId"),
                outcome=one.outcome,
                officer_id=None
                if one.officer_id is None
                else db_id_for(one.officer_id, "Officer", f"cases.{index}.officerId"),
                note=one.note,
            )
            for index, one in enumerate(input.cases)
        ]

    recorded = await as_officer(
        info,
        "recordInspection",
        input,
        idempotency_key,
        lambda session, officer: inspections.record(
            session,
            officer,
            db_id_for(input.inspection_id, "Inspection", "inspectionId"),
            found(),
            input.summary,
        ),
    )
    if isinstance(recorded, WorkflowError):
        return recorded
    return InspectionPayload(inspection=Inspection.from_model(recorded))


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
