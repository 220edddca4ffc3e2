"""The applicant's own view of their case, opened with the receipt number and the access code."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from models import Applicant, Case, Document
from resolvers import access_code
from resolvers.context import Context
from resolvers.errors import Unauthenticated


@dataclass(frozen=True)
class OwnCase:
    case: Case
    applicant: Applicant


async def open_own_case(context: Context, receipt_no: str, code: str) -> OwnCase:
    """The case and its applicant, if the code matches; one message for every failure, so nothing is learnt."""
    await context.limiter.check("access_code", context.client)
    async with context.sessions() as session:
        row = (
            await session.execute(
                select(Case, Applicant)
                .join(Applicant, Applicant.case_id == Case.id)
                .where(Case.receipt_no == receipt_no)
            )
        ).first()
    # A missing case still costs one scrypt (in a thread), so timing does not tell which receipt numbers exist.
    stored = row[1].access_code_hash if row else await access_code.unmatchable_in_thread()
    if not await access_code.verify_in_thread(code, stored) or row is None:
        raise Unauthenticated("the receipt number or the access code is wrong")
    return OwnCase(case=row[0], applicant=row[1])


async def all_documents(context: Context, case_id: int) -> Sequence[Document]:
    async with context.sessions() as session:
        return (
            await session.scalars(
                select(Document).where(Document.case_id == case_id).order_by(Document.registered_at, Document.id)
            )
        ).all()
