"""Closed vocabularies of the domain, stored as checked strings (no native PG enums to migrate)."""

from enum import StrEnum

from sqlalchemy import Enum


class DepartmentLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    AGENCY = "agency"
    BUREAU = "bureau"
    DIVISION = "division"
    TEAM = "team"


class OfficerRole(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"


class TaskCategory(StrEnum):
    PERMIT = "permit"
    APPROVAL = "approval"
    REGISTRATION = "registration"
    ENFORCEMENT = "enforcement"


class StepRole(StrEnum):
    RECEIPT = "receipt"
    REVIEW = "review"
    SITE_INSPECTION = "site_inspection"
    CONSULTATION = "consultation"
    TEAM_LEAD = "team_lead"
    DIVISION_HEAD = "division_head"
    BUREAU_HEAD = "bureau_head"


class CaseStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# Open until decided or withdrawn; the statutory clock runs while open, except while the case waits on the applicant.
OPEN_CASE = (CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_SUPPLEMENT)
CLOCK_RUNNING = (CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS)
DECIDED_CASE = (CaseStatus.COMPLETED, CaseStatus.REJECTED)


class StepStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SIGNED = "signed"
    RETURNED = "returned"
    SKIPPED = "skipped"


class DocumentKind(StrEnum):
    APPLICATION = "application"
    DRAWING = "drawing"
    REVIEW_REPORT = "review_report"
    INSPECTION_REPORT = "inspection_report"
    NOTICE = "notice"
    DECISION = "decision"
    OTHER = "other"


class ActionStatus(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"


class EventType(StrEnum):
    CASE_REGISTERED = "case_registered"
    APPLICATION_SUBMITTED = "application_submitted"
    STEP_STARTED = "step_started"
    STEP_SIGNED = "step_signed"
    STEP_RETURNED = "step_returned"
    STEP_REASSIGNED = "step_reassigned"
    CASE_RESUMED = "case_resumed"
    CASE_REJECTED = "case_rejected"
    CASE_WITHDRAWN = "case_withdrawn"
    CASE_CLOSED = "case_closed"
    DOCUMENT_REGISTERED = "document_registered"
    ACTION_SCHEDULED = "action_scheduled"
    ACTION_RESCHEDULED = "action_rescheduled"
    ACTION_COMPLETED = "action_completed"
    ACTION_CANCELLED = "action_cancelled"
    REFERENCE_UPDATED = "reference_updated"
    DELAY_DETECTED = "delay_detected"
    DELAY_EXPLAINED = "delay_explained"
    DELAYS_SUMMARIZED = "delays_summarized"
    FINDING_DISPOSED = "finding_disposed"
    INSPECTION_COMPLETED = "inspection_completed"
    INPUTTER_AWARDED = "inputter_awarded"
    MILESTONE_REACHED = "milestone_reached"


class RescheduleReason(StrEnum):
    APPLICANT_REQUEST = "applicant_request"
    OFFICER_UNAVAILABLE = "officer_unavailable"
    AWAITING_CONSULTATION = "awaiting_consultation"
    WEATHER = "weather"
    OTHER = "other"


class DelayKind(StrEnum):
    PROCESSING = "processing"
    INPUT = "input"


class Disposition(StrEnum):
    REVIEWED = "reviewed"
    NO_ISSUE = "no_issue"
    REFERRED_FOR_DISCIPLINE = "referred_for_discipline"


class InspectionStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"


class InspectionOutcome(StrEnum):
    NO_ISSUE = "no_issue"
    CORRECTED = "corrected"
    WARNING = "warning"
    REFERRED_FOR_DISCIPLINE = "referred_for_discipline"


class OpinionStatus(StrEnum):
    PUBLISHED = "published"
    HELD = "held"
    HIDDEN = "hidden"


def checked(enum: type[StrEnum], *, constraint: bool = True) -> Enum:
    """A VARCHAR column holding the enum's values (not its names), with a CHECK constraint listing them unless a
    lookup table checks them instead (models/vocabulary.py)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=constraint,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        name=enum.__name__.lower(),
        validate_strings=True,
    )
