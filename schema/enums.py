"""The stored vocabularies of `models.enums` as GraphQL enums: the same classes, documented here for the API.

Types import them from here, so that using one as a GraphQL type always comes with its registration.
"""

import inspect

from ledger import payloads
from models import (
    ActionStatus,
    CaseStatus,
    DepartmentLevel,
    DocumentKind,
    EventType,
    OfficerRole,
    RescheduleReason,
    StepRole,
    StepStatus,
    TaskCategory,
)
from schema.described import described

__all__ = [
    "ActionStatus",
    "CaseStatus",
    "DepartmentLevel",
    "DocumentKind",
    "EventType",
    "OfficerRole",
    "RescheduleReason",
    "StepRole",
    "StepStatus",
    "TaskCategory",
]

described(
    DepartmentLevel,
    "Level of a department in the city's organisation tree.",
    {
        DepartmentLevel.CITY: "The city government itself (시), whose tree holds every other unit.",
        DepartmentLevel.DISTRICT: "An autonomous district's office (자치구청), e.g. 종로구청.",
        DepartmentLevel.AGENCY: (
            "A body with offices across the districts: the fire and disaster headquarters (소방재난본부) or the "
            "education office (교육청), whose district offices register academies."
        ),
        DepartmentLevel.BUREAU: (
            "A bureau under the city or a district office (실·국·본부, 보건소), or an agency's office for some "
            "districts (소방서, 교육지원청)."
        ),
        DepartmentLevel.DIVISION: "A division inside a bureau (과).",
        DepartmentLevel.TEAM: "A team inside a division (팀).",
    },
)

described(
    TaskCategory,
    "Kind of administrative work a task type is.",
    {
        TaskCategory.PERMIT: "A permit or licence the applicant asks for (허가).",
        TaskCategory.APPROVAL: "An approval of a plan or project (인가·승인).",
        TaskCategory.REGISTRATION: "A report or registration (신고·등록).",
        TaskCategory.ENFORCEMENT: "A sanction or enforcement measure (행정처분).",
    },
)

described(
    StepRole,
    "What an approval step does in the line.",
    {
        StepRole.RECEIPT: "Receipt and intake check (접수).",
        StepRole.REVIEW: "Substantive review by the officer in charge (검토).",
        StepRole.SITE_INSPECTION: "Inspection on site (현장조사).",
        StepRole.CONSULTATION: "Consultation of other departments (협의).",
        StepRole.TEAM_LEAD: "Approval by the team lead (팀장 결재).",
        StepRole.DIVISION_HEAD: "Approval by the division head (과장 결재).",
        StepRole.BUREAU_HEAD: "Approval by the bureau head (국장 결재).",
    },
)

described(
    CaseStatus,
    "Where a case stands.",
    {
        CaseStatus.RECEIVED: "Registered, no step started yet.",
        CaseStatus.IN_PROGRESS: "Its approval line is being worked through.",
        CaseStatus.AWAITING_SUPPLEMENT: "Returned to the applicant for supplements (보완요구); the statutory clock "
        "is paused.",
        CaseStatus.COMPLETED: "Decided and closed; see `result`.",
        CaseStatus.REJECTED: "Refused and closed; see `result`.",
        CaseStatus.WITHDRAWN: "Withdrawn by the applicant and closed.",
    },
)

described(
    StepStatus,
    "Where one step of an approval line stands.",
    {
        StepStatus.PENDING: "Not its turn yet.",
        StepStatus.IN_PROGRESS: "Its turn: the assigned officer is working on it.",
        StepStatus.SIGNED: "Signed (approved) by its officer.",
        StepStatus.RETURNED: "Returned for supplements or to an earlier step.",
        StepStatus.SKIPPED: "Not needed for this case.",
    },
)

described(
    DocumentKind,
    "Kind of a registered document.",
    {
        DocumentKind.APPLICATION: "The application form (신청서).",
        DocumentKind.DRAWING: "Drawings and plans (도면).",
        DocumentKind.REVIEW_REPORT: "A review report (검토보고서).",
        DocumentKind.INSPECTION_REPORT: "A site inspection report (현장조사서).",
        DocumentKind.NOTICE: "A notice sent to the applicant (통지서).",
        DocumentKind.DECISION: "The decision document (처분서·허가증).",
        DocumentKind.OTHER: "Any other document.",
    },
)

described(
    ActionStatus,
    "Where a scheduled next action stands.",
    {
        ActionStatus.SCHEDULED: "Planned for the date given.",
        ActionStatus.DONE: "Carried out.",
        ActionStatus.CANCELLED: "Called off.",
    },
)

# Each kind's description is its payload class's docstring (ledger/payloads.py), where the kind is declared.
described(
    EventType,
    "What kind of change an event records; docs/ledger.md lists what each kind's payload holds.",
    {kind: inspect.getdoc(details) or "" for kind, details in payloads.KINDS.items()},
)

described(
    RescheduleReason,
    "Why a scheduled action moved.",
    {
        RescheduleReason.APPLICANT_REQUEST: "The applicant asked for it.",
        RescheduleReason.OFFICER_UNAVAILABLE: "The officer was unavailable.",
        RescheduleReason.AWAITING_CONSULTATION: "Another department's answer is still pending.",
        RescheduleReason.WEATHER: "Weather prevented a site visit.",
        RescheduleReason.OTHER: "Another reason, given in the note.",
    },
)

described(
    OfficerRole,
    "Role of an officer in OPEN.",
    {
        OfficerRole.OFFICER: "Works the steps assigned to them.",
        OfficerRole.SUPERVISOR: "Heads a department: signs for and reassigns work inside it.",
        OfficerRole.ADMINISTRATOR: "Keeps the reference data.",
        OfficerRole.AUDITOR: "Reads private audit fields; changes nothing.",
    },
)
