"""Reads of officers and of the steps they hold."""

from sqlalchemy import ColumnElement, func, select

from models import Officer, Step, StepStatus
from resolvers.context import Context
from resolvers.pagination import Page, Slice, build_page, encode_cursor, keyset

OFFICERS_ORDER = "ID_ASC"
STEPS_ORDER = "ID_DESC"


async def list_officers(context: Context, department_id: int | None, window: Slice) -> Page[Officer]:
    where: list[ColumnElement[bool]] = []
    if department_id is not None:
        where.append(Officer.department_id == department_id)
    statement = keyset(select(Officer).where(*where), window, OFFICERS_ORDER, Officer.id)
    async with context.sessions() as session:
        rows = (await session.scalars(statement)).all()
    for row in rows:
        context.loaders.officer_by_id.prime(row.id, row)

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Officer).where(*where)) or 0

    return build_page(rows, window, lambda officer: encode_cursor(OFFICERS_ORDER, officer.id, officer.id), count)


async def list_steps_of_officer(
    context: Context, officer_id: int, statuses: frozenset[StepStatus], window: Slice
) -> Page[Step]:
    """Steps assigned to one officer, newest first."""
    where: list[ColumnElement[bool]] = [Step.officer_id == officer_id]
    if statuses:
        where.append(Step.status.in_(sorted(statuses)))
    statement = keyset(select(Step).where(*where), window, STEPS_ORDER, Step.id, ascending=False)
    async with context.sessions() as session:
        rows = (await session.scalars(statement)).all()

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Step).where(*where)) or 0

    return build_page(rows, window, lambda step: encode_cursor(STEPS_ORDER, step.id, step.id), count)
