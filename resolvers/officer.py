"""Reads of officers and of the steps they hold."""

from sqlalchemy import ColumnElement, func, select

from models import Officer, Step, StepStatus
from resolvers.context import Context
from resolvers.pagination import Page, build_page, decode_cursor, encode_cursor, page_size

OFFICERS_ORDER = "ID_ASC"
STEPS_ORDER = "ID_DESC"


async def list_officers(
    context: Context, department_id: int | None, first: int | None, after: str | None
) -> Page[Officer]:
    size = page_size(first)
    where: list[ColumnElement[bool]] = []
    if department_id is not None:
        where.append(Officer.department_id == department_id)
    statement = select(Officer).where(*where)
    if after is not None:
        _, last_id = decode_cursor(after, OFFICERS_ORDER, int)
        statement = statement.where(Officer.id > last_id)
    async with context.sessions() as session:
        rows = (await session.scalars(statement.order_by(Officer.id).limit(size + 1))).all()
    for row in rows:
        context.loaders.officer_by_id.prime(row.id, row)

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Officer).where(*where)) or 0

    return build_page(rows, size, after, lambda officer: encode_cursor(OFFICERS_ORDER, officer.id, officer.id), count)


async def list_steps_of_officer(
    context: Context, officer_id: int, statuses: frozenset[StepStatus], first: int | None, after: str | None
) -> Page[Step]:
    """Steps assigned to one officer, newest first."""
    size = page_size(first)
    where: list[ColumnElement[bool]] = [Step.officer_id == officer_id]
    if statuses:
        where.append(Step.status.in_(sorted(statuses)))
    statement = select(Step).where(*where)
    if after is not None:
        _, last_id = decode_cursor(after, STEPS_ORDER, int)
        statement = statement.where(Step.id < last_id)
    async with context.sessions() as session:
        rows = (await session.scalars(statement.order_by(Step.id.desc()).limit(size + 1))).all()

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Step).where(*where)) or 0

    return build_page(rows, size, after, lambda step: encode_cursor(STEPS_ORDER, step.id, step.id), count)
