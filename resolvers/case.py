"""Reads of cases: one by receipt number, and the filtered, keyset-paginated public list."""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, func, not_, select

from models import CLOCK_RUNNING, Case, CaseStatus, Step
from resolvers.context import Context
from resolvers.errors import InvalidInput
from resolvers.pagination import Page, Slice, build_page, encode_cursor, keyset
from resolvers.scope import in_department, of_task_type


class CaseOrder(Enum):
    RECEIVED_AT_DESC = ("received_at", False)
    RECEIVED_AT_ASC = ("received_at", True)
    DUE_AT_ASC = ("due_at", True)
    DUE_AT_DESC = ("due_at", False)

    @property
    def column(self) -> ColumnElement[datetime]:
        column: ColumnElement[datetime] = getattr(Case, self.value[0])
        return column

    @property
    def ascending(self) -> bool:
        return self.value[1]


def overdue(status: SQLColumnExpression[CaseStatus], due_at: SQLColumnExpression[datetime]) -> ColumnElement[bool]:
    """Past the statutory deadline now while the clock runs: the overdue backlog (a case waiting on its applicant
    is not overdue, since its clock stands)."""
    return and_(status.in_(CLOCK_RUNNING), due_at < func.now())


@dataclass(frozen=True)
class CaseFilter:
    """Criteria of the public case list; every one given must hold."""

    task_type_id: int | None = None
    task_type_code: str | None = None
    department_id: int | None = None
    include_subdepartments: bool = True
    statuses: frozenset[CaseStatus] = frozenset()
    received_from: datetime | None = None
    received_to: datetime | None = None
    officer_id: int | None = None
    overdue_now: bool | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None

    def __post_init__(self) -> None:
        if self.received_from and self.received_to and self.received_from >= self.received_to:
            raise InvalidInput("filter.receivedTo", "must be later than filter.receivedFrom")
        if self.due_from and self.due_to and self.due_from >= self.due_to:
            raise InvalidInput("filter.dueTo", "must be later than filter.dueFrom")


async def case_by_receipt_no(context: Context, receipt_no: str) -> Case | None:
    async with context.sessions() as session:
        case = await session.scalar(select(Case).where(Case.receipt_no == receipt_no))
    if case is not None:
        # Prime the loader so nested fields that point back to this case need no query.
        context.loaders.case_by_id.prime(case.id, case)
    return case


def case_criteria(criteria: CaseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if criteria.task_type_id is not None:
        where.append(Case.task_type_id == criteria.task_type_id)
    where += in_department(Case.department_id, criteria.department_id, criteria.include_subdepartments)
    where += of_task_type(Case.task_type_id, criteria.task_type_code)
    if criteria.statuses:
        where.append(Case.status.in_(sorted(criteria.statuses)))
    if criteria.received_from is not None:
        where.append(Case.received_at >= criteria.received_from)
    if criteria.received_to is not None:
        where.append(Case.received_at < criteria.received_to)
    if criteria.officer_id is not None:
        where.append(exists().where(Step.case_id == Case.id, Step.officer_id == criteria.officer_id))
    if criteria.overdue_now is not None:
        late = overdue(Case.status, Case.due_at)
        where.append(late if criteria.overdue_now else not_(late))
    if criteria.due_from is not None:
        where.append(Case.due_at >= criteria.due_from)
    if criteria.due_to is not None:
        where.append(Case.due_at < criteria.due_to)
    return where


async def list_cases(context: Context, criteria: CaseFilter, order: CaseOrder, window: Slice) -> Page[Case]:
    where = case_criteria(criteria)
    statement = keyset(
        select(Case).where(*where), window, order.name, Case.id, (order.column, datetime), ascending=order.ascending
    )

    async with context.sessions() as session:
        rows = (await session.scalars(statement)).all()
    for row in rows:
        context.loaders.case_by_id.prime(row.id, row)

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0

    return build_page(
        rows, window, lambda case: encode_cursor(order.name, getattr(case, order.value[0]), case.id), count
    )
