from collections.abc import Sequence

from sqlalchemy import select

from models import LegalReference
from resolvers.context import Context


async def all_legal_references(context: Context) -> Sequence[LegalReference]:
    async with context.sessions() as session:
        return (await session.scalars(select(LegalReference).order_by(LegalReference.law, LegalReference.id))).all()
