"""A BLDS-style open-data export (permitdata.org Building & Land Development Specification) of permits and their
status changes. Enforcement cases are not permits and stay out; no applicant data is ever exported."""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

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


# Rows read and converted at a time: the event loop runs other work between batches.
BATCH = 1_000
Rows = AsyncIterator[list[dict[str, Any]]]


async def _batches(sessions: Sessions, statement: Select[*tuple[Any, ...]]) -> AsyncIterator[Sequence[Any]]:
    async with sessions() as session:
        result = await session.stream(statement)
        async for batch in result.partitions(BATCH):
            yield batch


async def permits(sessions: Sessions) -> Rows:
    """Permits in the order they were applied for, a batch at a time."""
    statement = (
        select(
            Case.receipt_no,
            Case.title,
            Case.received_at,
            Case.closed_at,
            Case.due_at,
            Case.status,
            Case.location,
            TaskType.code,
            TaskType.name,
            TaskType.category,
            Department.name,
        )
        .join(TaskType, TaskType.id == Case.task_type_id)
        .join(Department, Department.id == Case.department_id)
        .where(TaskType.category.in_(PERMIT_CATEGORIES))
        .order_by(Case.received_at, Case.id)
    )
    async for batch in _batches(sessions, statement):
        yield [_permit(*row) for row in batch]


def _permit(
    receipt_no: str,
    title: str,
    received_at: datetime,
    closed_at: datetime | None,
    due_at: datetime,
    status: CaseStatus,
    location: str,
    code: str,
    name: str,
    category: TaskCategory,
    department: str,
) -> dict[str, Any]:
    return {
        "PermitNum": receipt_no,
        "Description": title,
        "AppliedDate": _date(received_at),
        "IssuedDate": _date(closed_at) if status is CaseStatus.COMPLETED else None,
        "CompletedDate": _date(closed_at),
        "StatusCurrent": status.value,
        "StatusCurrentMapped": STATUS_MAPPED[status],
        "StatusDate": _date(closed_at or received_at),
        "OriginalAddress1": location,
        "OriginalCity": _city(location),
        "OriginalState": "서울특별시",
        "OriginalZip": None,
        "Jurisdiction": JURISDICTION,
        "PermitClass": category.value,
        "PermitClassMapped": "Non-Residential" if code.startswith(("FOD", "ENV", "ADV")) else None,
        "PermitType": code,
        "PermitTypeMapped": "Building" if code.startswith("BLD") else name,
        "PermitTypeDesc": name,
        "ExpectedDate": _date(due_at),
        "HandlingDepartment": department,
    }


async def status_history(sessions: Sessions) -> Rows:
    """Every change of a permit's status, from the event log (each event records the case's status after it), a
    batch at a time. PostgreSQL reads only the status out of each payload."""
    statement = (
        select(Case.receipt_no, Event.payload["case"]["status"].astext, Event.occurred_at)
        .join(Case, Case.id == Event.case_id)
        .join(TaskType, TaskType.id == Case.task_type_id)
        .where(TaskType.category.in_(PERMIT_CATEGORIES))
        .order_by(Case.id, Event.seq)
    )
    previous: dict[str, str | None] = {}
    async for batch in _batches(sessions, statement):
        history: list[dict[str, Any]] = []
        for receipt_no, status, occurred_at in batch:
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
        yield history
