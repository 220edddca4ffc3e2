from collections.abc import Sequence

from sqlalchemy import select

from models import Department
from resolvers.context import Context


async def root_departments(context: Context) -> Sequence[Department]:
    """The top of the organisation tree; children are reached through the loaders."""
    async with context.sessions() as session:
        return (
            await session.scalars(select(Department).where(Department.parent_id.is_(None)).order_by(Department.code))
        ).all()
