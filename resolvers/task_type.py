from collections.abc import Sequence

from sqlalchemy import select

from models import TaskType
from resolvers.context import Context


async def all_task_types(context: Context) -> Sequence[TaskType]:
    async with context.sessions() as session:
        rows = (await session.scalars(select(TaskType).order_by(TaskType.code))).all()
    for row in rows:
        context.loaders.task_type_by_id.prime(row.id, row)
    return rows


async def task_type_by_code(context: Context, code: str) -> TaskType | None:
    async with context.sessions() as session:
        return await session.scalar(select(TaskType).where(TaskType.code == code))
