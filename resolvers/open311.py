"""Open311 GeoReport v2, read side: task types are services, cases are service requests."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select

from models import OPEN_CASE, Case, Department, Event, Step, StepStatus, TaskType
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput

LIMIT = 1000
# GeoReport v2: without dates, requests of the last 90 days.
DEFAULT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class ServiceRequest:
    case: Case
    service_name: str
    service_code: str
    agency: str
    current_step: str | None
    updated_at: datetime


async def services(sessions: Sessions) -> Sequence[TaskType]:
    async with sessions() as session:
        return (await session.scalars(select(TaskType).order_by(TaskType.code))).all()


async def requests(
    sessions: Sessions,
    *,
    ids: list[str] | None = None,
    service_code: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
    now: datetime,
) -> list[ServiceRequest]:
    where: list[ColumnElement[bool]] = []
    if ids:
        where.append(Case.receipt_no.in_(ids[:LIMIT]))
    else:
        if start and end and start >= end:
            raise InvalidInput("end_date", "must be after start_date")
        where.append(Case.received_at >= (start or (end or now) - DEFAULT_WINDOW))
        if end is not None:
            where.append(Case.received_at < end)
    if service_code is not None:
        where.append(TaskType.code.in_(service_code.split(",")))
    if status == "open":
        where.append(Case.status.in_(OPEN_CASE))
    elif status == "closed":
        where.append(Case.status.not_in(OPEN_CASE))
    elif status is not None:
        raise InvalidInput("status", "must be open or closed")
    current = (
        select(Step.name)
        .where(
            Step.case_id == Case.id, Step.status.in_([StepStatus.IN_PROGRESS, StepStatus.RETURNED, StepStatus.PENDING])
        )
        .order_by(Step.sequence)
        .limit(1)
        .scalar_subquery()
    )
    updated = select(func.max(Event.recorded_at)).where(Event.case_id == Case.id).scalar_subquery()
    statement = (
        select(Case, TaskType.name, TaskType.code, Department.name, current, updated)
        .join(TaskType, TaskType.id == Case.task_type_id)
        .join(Department, Department.id == Case.department_id)
        .where(*where)
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(LIMIT)
    )
    async with sessions() as session:
        rows = (await session.execute(statement)).all()
    return [
        ServiceRequest(case, name, code, agency, step, last or case.received_at)
        for case, name, code, agency, step, last in rows
    ]
