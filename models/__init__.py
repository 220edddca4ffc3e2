"""SQLAlchemy tables of OPEN. Nothing here knows about GraphQL."""

from models.applicant import Applicant
from models.base import Base
from models.case import Case
from models.department import Department
from models.document import Document
from models.enums import (
    CLOCK_RUNNING,
    DECIDED_CASE,
    OPEN_CASE,
    ActionStatus,
    CaseStatus,
    DelayKind,
    DepartmentLevel,
    Disposition,
    DocumentKind,
    EventType,
    InspectionOutcome,
    InspectionStatus,
    OfficerRole,
    OpinionStatus,
    RescheduleReason,
    StepRole,
    StepStatus,
    TaskCategory,
)
from models.event import ENDINGS, Event, EventCounter
from models.holiday import PublicHoliday
from models.idempotency import IdempotencyRecord
from models.inspection import InspectedCase, Inspection, InspectionTeam, InspectionTeamMember
from models.ledger import LedgerCheckpoint, LedgerLeaf, LedgerNode
from models.legal_reference import LegalReference
from models.officer import Officer
from models.officer_token import OfficerToken
from models.opinion import Opinion
from models.outcome import FindingDisposition, InputterAward
from models.oversight import Delay, DelayEntry, DelayWatermark, Milestone, OfficerMonth, StepDurationNorm, ViewTally
from models.scheduled_action import ScheduledAction, ScheduledActionChange
from models.step import Step, held_standards
from models.task_type import StepTemplate, TaskType, task_type_legal_reference
from models.webhook import Webhook, WebhookStatus

__all__ = [
    "CLOCK_RUNNING",
    "DECIDED_CASE",
    "ENDINGS",
    "OPEN_CASE",
    "ActionStatus",
    "Applicant",
    "Base",
    "Case",
    "CaseStatus",
    "Delay",
    "DelayEntry",
    "DelayKind",
    "DelayWatermark",
    "Department",
    "DepartmentLevel",
    "Disposition",
    "Document",
    "DocumentKind",
    "Event",
    "EventCounter",
    "EventType",
    "FindingDisposition",
    "IdempotencyRecord",
    "InputterAward",
    "InspectedCase",
    "Inspection",
    "InspectionOutcome",
    "InspectionStatus",
    "InspectionTeam",
    "InspectionTeamMember",
    "LedgerCheckpoint",
    "LedgerLeaf",
    "LedgerNode",
    "LegalReference",
    "Milestone",
    "Officer",
    "OfficerMonth",
    "OfficerRole",
    "OfficerToken",
    "Opinion",
    "OpinionStatus",
    "PublicHoliday",
    "RescheduleReason",
    "ScheduledAction",
    "ScheduledActionChange",
    "Step",
    "StepDurationNorm",
    "StepRole",
    "StepStatus",
    "StepTemplate",
    "TaskCategory",
    "TaskType",
    "ViewTally",
    "Webhook",
    "WebhookStatus",
    "held_standards",
    "task_type_legal_reference",
]
