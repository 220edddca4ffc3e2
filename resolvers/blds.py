"""A BLDS-style open-data export (permitdata.org Building & Land Development Specification) of permits and their
status changes. Enforcement cases are not permits and stay out; no applicant data is ever exported."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from models import Case, CaseStatus, Department, Event, TaskCategory, TaskType
from resolvers.dataloaders import Sessions
from resolvers.statutory_clock import SEOUL

PERMIT_COLUMNS = (
    "PermitNum",
    "Description",
    "AppliedDate",
    "IssuedDate",
    "CompletedDate",
    "StatusCurrent",
    "StatusCurrentMapped",
    "StatusDate",
    "OriginalAddress1",
    "OriginalCity",
    "OriginalState",
    "OriginalZip",
    "Jurisdiction",
    "PermitClass",
    "PermitClassMapped",
    "PermitType",
    "PermitTypeMapped",
    "PermitTypeDesc",
    "ExpectedDate",
    "HandlingDepartment",
)
STATUS_COLUMNS = ("PermitNum", "StatusPrevious", "StatusCurrent", "StatusCurrentMapped", "StatusDate")

# BLDS's mapped statuses for ours.
STATUS_MAPPED = {
    CaseStatus.RECEIVED: "Application Accepted",
    CaseStatus.IN_PROGRESS: "In Review",
    CaseStatus.AWAITING_SUPPLEMENT: "In Review",
    CaseStatus.COMPLETED: "Permit Issued",
    CaseStatus.REJECTED: "Permit Denied",
    CaseStatus.WITHDRAWN: "Permit Withdrawn",
}
PERMIT_CATEGORIES = (TaskCategory.PERMIT, TaskCategory.APPROVAL, TaskCategory.REGISTRATION)
JURISDICTION = "Seoul Metropolitan Government"


def _date(moment: datetime | None) -> str | None:
    return moment.astimezone(SEOUL).isoformat() if moment else None


def _city(location: str) -> str:
    parts = location.split()
    return " ".join(parts[:2]) if len(parts) >= 2 else location


async def permits(sessions: Sessions) -> list[dict[str, Any]]:
    statement = (
        select(Case, TaskType, Department.name)
        .join(TaskType, TaskType.id == Case.task_type_id)
        .join(Department, Department.id == Case.department_id)
        .where(TaskType.category.in_(PERMIT_CATEGORIES))
        .order_by(Case.received_at, Case.id)
    )
    async with sessions() as session:
        rows = (await session.execute(statement)).all()
    return [
        {
            "PermitNum": case.receipt_no,
            "Description": case.title,
            "AppliedDate": _date(case.received_at),
            "IssuedDate": _date(case.closed_at) if case.status is CaseStatus.COMPLETED else None,
            "CompletedDate": _date(case.closed_at),
            "StatusCurrent": case.status.value,
            "StatusCurrentMapped": STATUS_MAPPED[case.status],
            "StatusDate": _date(case.closed_at or case.received_at),
            "OriginalAddress1": case.location,
            "OriginalCity": _city(case.location),
            "OriginalState": "서울특별시",
            "OriginalZip": None,
            "Jurisdiction": JURISDICTION,
            "PermitClass": task_type.category.value,
            "PermitClassMapped": "Non-Residential" if task_type.code.startswith(("FOD", "ENV", "ADV")) else None,
            "PermitType": task_type.code,
            "PermitTypeMapped": "Building" if task_type.code.startswith("BLD") else task_type.name,
            "PermitTypeDesc": task_type.name,
            "ExpectedDate": _date(case.due_at),
            "HandlingDepartment": department,
        }
        for case, task_type, department in rows
    ]


async def status_history(sessions: Sessions) -> list[dict[str, Any]]:
    """Every change of a permit's status, from the event log (each event records the case's status after it)."""
    statement = (
        select(Case.receipt_no, Event.payload, Event.occurred_at)
        .join(Case, Case.id == Event.case_id)
        .join(TaskType, TaskType.id == Case.task_type_id)
        .where(TaskType.category.in_(PERMIT_CATEGORIES))
        .order_by(Case.id, Event.seq)
    )
    async with sessions() as session:
        rows: Sequence[Any] = (await session.execute(statement)).all()
    history: list[dict[str, Any]] = []
    previous: dict[str, str | None] = {}
    for receipt_no, payload, occurred_at in rows:
        status = (payload.get("case") or {}).get("status")
        if status is None or previous.get(receipt_no) == status:
            continue
        history.append(
            {
                "PermitNum": receipt_no,
                "StatusPrevious": previous.get(receipt_no),
                "StatusCurrent": status,
                "StatusCurrentMapped": STATUS_MAPPED[CaseStatus(status)],
                "StatusDate": _date(occurred_at),
            }
        )
        previous[receipt_no] = status
    return history
