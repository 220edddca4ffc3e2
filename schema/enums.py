"""GraphQL enums with documented values; the same names as the stored vocabularies in `models.enums`."""

from enum import Enum
from typing import TypeVar

import strawberry

import models


@strawberry.enum(description="Level of a department in the city's organisation tree.")
class DepartmentLevel(Enum):
    CITY = strawberry.enum_value("city", description="The city government itself (시).")
    BUREAU = strawberry.enum_value("bureau", description="A bureau or office under the city (실·국·본부).")
    DIVISION = strawberry.enum_value("division", description="A division inside a bureau (과).")
    TEAM = strawberry.enum_value("team", description="A team inside a division (팀).")


@strawberry.enum(description="Kind of administrative work a task type is.")
class TaskCategory(Enum):
    PERMIT = strawberry.enum_value("permit", description="A permit or licence the applicant asks for (허가).")
    APPROVAL = strawberry.enum_value("approval", description="An approval of a plan or project (인가·승인).")
    REGISTRATION = strawberry.enum_value("registration", description="A report or registration (신고·등록).")
    ENFORCEMENT = strawberry.enum_value("enforcement", description="A sanction or enforcement measure (행정처분).")


@strawberry.enum(description="What an approval step does in the line.")
class StepRole(Enum):
    RECEIPT = strawberry.enum_value("receipt", description="Receipt and intake check (접수).")
    REVIEW = strawberry.enum_value("review", description="Substantive review by the officer in charge (검토).")
    SITE_INSPECTION = strawberry.enum_value("site_inspection", description="Inspection on site (현장조사).")
    CONSULTATION = strawberry.enum_value("consultation", description="Consultation of other departments (협의).")
    TEAM_LEAD = strawberry.enum_value("team_lead", description="Approval by the team lead (팀장 결재).")
    DIVISION_HEAD = strawberry.enum_value("division_head", description="Approval by the division head (과장 결재).")
    BUREAU_HEAD = strawberry.enum_value("bureau_head", description="Approval by the bureau head (국장 결재).")


@strawberry.enum(description="Where a case stands.")
class CaseStatus(Enum):
    RECEIVED = strawberry.enum_value("received", description="Registered, no step started yet.")
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Its approval line is being worked through.")
    AWAITING_SUPPLEMENT = strawberry.enum_value(
        "awaiting_supplement",
        description="Returned to the applicant for supplements (보완요구); the statutory clock is paused.",
    )
    COMPLETED = strawberry.enum_value("completed", description="Decided and closed; see `result`.")
    REJECTED = strawberry.enum_value("rejected", description="Refused and closed; see `result`.")
    WITHDRAWN = strawberry.enum_value("withdrawn", description="Withdrawn by the applicant and closed.")


@strawberry.enum(description="Where one step of an approval line stands.")
class StepStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Not its turn yet.")
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Its turn: the assigned officer is working on it.")
    SIGNED = strawberry.enum_value("signed", description="Signed (approved) by its officer.")
    RETURNED = strawberry.enum_value("returned", description="Returned for supplements or to an earlier step.")
    SKIPPED = strawberry.enum_value("skipped", description="Not needed for this case.")


@strawberry.enum(description="Kind of a registered document.")
class DocumentKind(Enum):
    APPLICATION = strawberry.enum_value("application", description="The application form (신청서).")
    DRAWING = strawberry.enum_value("drawing", description="Drawings and plans (도면).")
    REVIEW_REPORT = strawberry.enum_value("review_report", description="A review report (검토보고서).")
    INSPECTION_REPORT = strawberry.enum_value("inspection_report", description="A site inspection report (현장조사서).")
    NOTICE = strawberry.enum_value("notice", description="A notice sent to the applicant (통지서).")
    DECISION = strawberry.enum_value("decision", description="The decision document (처분서·허가증).")
    OTHER = strawberry.enum_value("other", description="Any other document.")


@strawberry.enum(description="Where a scheduled next action stands.")
class ActionStatus(Enum):
    SCHEDULED = strawberry.enum_value("scheduled", description="Planned for the date given.")
    DONE = strawberry.enum_value("done", description="Carried out.")
    CANCELLED = strawberry.enum_value("cancelled", description="Called off.")


@strawberry.enum(description="What kind of change an event records.")
class EventType(Enum):
    CASE_REGISTERED = strawberry.enum_value("case_registered", description="An officer registered the case at intake.")
    APPLICATION_SUBMITTED = strawberry.enum_value(
        "application_submitted", description="The applicant submitted the case online."
    )
    STEP_STARTED = strawberry.enum_value("step_started", description="A step's officer began work on it.")
    STEP_SIGNED = strawberry.enum_value("step_signed", description="A step was signed (approved).")
    STEP_RETURNED = strawberry.enum_value(
        "step_returned", description="The case was returned to the applicant for supplements; the clock stops."
    )
    STEP_REASSIGNED = strawberry.enum_value(
        "step_reassigned", description="A supervisor gave a step to another officer."
    )
    CASE_RESUMED = strawberry.enum_value(
        "case_resumed", description="The supplements arrived; the clock runs again with the pause given back."
    )
    CASE_REJECTED = strawberry.enum_value("case_rejected", description="The case was refused and closed.")
    CASE_WITHDRAWN = strawberry.enum_value("case_withdrawn", description="The applicant withdrew the case.")
    CASE_CLOSED = strawberry.enum_value("case_closed", description="The result was recorded and the case closed.")
    DOCUMENT_REGISTERED = strawberry.enum_value("document_registered", description="A document was registered.")
    ACTION_SCHEDULED = strawberry.enum_value("action_scheduled", description="A next action was scheduled.")
    ACTION_RESCHEDULED = strawberry.enum_value(
        "action_rescheduled", description="A next action moved to another date, with a coded reason."
    )
    ACTION_COMPLETED = strawberry.enum_value("action_completed", description="A next action was carried out.")
    REFERENCE_UPDATED = strawberry.enum_value(
        "reference_updated", description="An administrator changed task types, laws, departments or officers."
    )
    DELAY_DETECTED = strawberry.enum_value(
        "delay_detected",
        description="The daily check found a step or case past its due time, or an entry made long after the fact.",
    )
    DELAY_EXPLAINED = strawberry.enum_value(
        "delay_explained", description="The department published its explanation of a delay."
    )
    MILESTONE_REACHED = strawberry.enum_value(
        "milestone_reached", description="A published figure (registered cases, page views…) passed a round number."
    )


@strawberry.enum(description="Why a scheduled action moved.")
class RescheduleReason(Enum):
    APPLICANT_REQUEST = strawberry.enum_value("applicant_request", description="The applicant asked for it.")
    OFFICER_UNAVAILABLE = strawberry.enum_value("officer_unavailable", description="The officer was unavailable.")
    AWAITING_CONSULTATION = strawberry.enum_value(
        "awaiting_consultation", description="Another department's answer is still pending."
    )
    WEATHER = strawberry.enum_value("weather", description="Weather prevented a site visit.")
    OTHER = strawberry.enum_value("other", description="Another reason, given in the note.")


@strawberry.enum(description="Role of an officer in OPEN.")
class OfficerRole(Enum):
    OFFICER = strawberry.enum_value("officer", description="Works the steps assigned to them.")
    SUPERVISOR = strawberry.enum_value(
        "supervisor", description="Heads a department: signs for and reassigns work inside it."
    )
    ADMINISTRATOR = strawberry.enum_value("administrator", description="Keeps the reference data.")
    AUDITOR = strawberry.enum_value("auditor", description="Reads private audit fields; changes nothing.")


G = TypeVar("G", bound=Enum)
M = TypeVar("M", bound=Enum)


def to_graphql(graphql_enum: type[G], value: Enum) -> G:
    return graphql_enum[value.name]


def to_model(model_enum: type[M], value: Enum) -> M:
    return model_enum[value.name]


def case_statuses(values: list[CaseStatus] | None) -> frozenset[models.CaseStatus]:
    return frozenset(models.CaseStatus[value.name] for value in values or ())


def step_statuses(values: list[StepStatus] | None) -> frozenset[models.StepStatus]:
    return frozenset(models.StepStatus[value.name] for value in values or ())
