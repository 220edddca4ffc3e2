"""Loading what a write changes, locked. Cases are locked before their steps, always in that order."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_CASE, Case, Officer, PublicHoliday, Step, StepStatus
from resolvers.errors import WorkflowCode, WorkflowError

DONE_STEP = (StepStatus.SIGNED, StepStatus.SKIPPED)


async def lock_case(session: AsyncSession, case_id: int, field: str = "caseId") -> Case:
    case = await session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such case", field)
    return case


async def lock_steps(session: AsyncSession, case_id: int) -> Sequence[Step]:
    return (
        await session.scalars(select(Step).where(Step.case_id == case_id).order_by(Step.sequence).with_for_update())
    ).all()


async def lock_step(session: AsyncSession, step_id: int) -> tuple[Case, Step, Sequence[Step]]:
    """The step, its case and the case's whole line, locked; the case row first."""
    case_id = await session.scalar(select(Step.case_id).where(Step.id == step_id))
    if case_id is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such step", "stepId")
    case = await lock_case(session, case_id)
    line = await lock_steps(session, case_id)
    step = next(row for row in line if row.id == step_id)
    return case, step, line


def current_step(line: Sequence[Step]) -> Step | None:
    """The first step not yet signed or skipped: whose turn it is."""
    return next((step for step in line if step.status not in DONE_STEP), None)


def require_open(case: Case) -> None:
    if case.status not in OPEN_CASE:
        raise WorkflowError(WorkflowCode.INVALID_STATE, f"the case is closed ({case.status.value})", "caseId")


async def officer(session: AsyncSession, officer_id: int, field: str) -> Officer:
    row = await session.get(Officer, officer_id)
    if row is None or not row.active:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such active officer", field)
    return row


async def holidays(session: AsyncSession) -> set[date]:
    return set((await session.scalars(select(PublicHoliday.day))).all())
