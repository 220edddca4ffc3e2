"""Who may do what: officers act on their own steps, supervisors inside the departments they head."""

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Department, Officer, OfficerRole, Step
from resolvers.errors import Forbidden

WORKERS = (OfficerRole.OFFICER, OfficerRole.SUPERVISOR)


def require_worker(actor: Officer) -> None:
    """Administrators keep reference data and auditors only read: neither works cases."""
    if actor.role not in WORKERS:
        raise Forbidden(f"a {actor.role.value} cannot change cases")


def require_role(actor: Officer, role: OfficerRole) -> None:
    if actor.role is not role:
        raise Forbidden(f"only an {role.value} may do this")


async def supervises(session: AsyncSession, actor: Officer, department_id: int) -> bool:
    """True when `actor` is a supervisor heading `department_id` or a unit above it."""
    if actor.role is not OfficerRole.SUPERVISOR:
        return False
    target = select(Department.path).where(Department.id == department_id).scalar_subquery()
    headed = (
        select(Department.id)
        .where(Department.head_id == actor.id, target.startswith(Department.path, autoescape=False))
        .exists()
    )
    return bool(await session.scalar(select(headed)))


async def may_act_on_step(session: AsyncSession, actor: Officer, step: Step) -> bool:
    """The assigned officer, or a supervisor over the assignee's department acting for them."""
    if step.officer_id == actor.id:
        return True
    assignee_department = select(Officer.department_id).where(Officer.id == step.officer_id).scalar_subquery()
    department_id = await session.scalar(select(assignee_department))
    return department_id is not None and await supervises(session, actor, department_id)


async def require_case_handler(session: AsyncSession, actor: Officer, case: Case) -> None:
    """An officer holding a step of the case, or a supervisor over its department."""
    require_worker(actor)
    holds_step = await session.scalar(select(exists().where(Step.case_id == case.id, Step.officer_id == actor.id)))
    if not holds_step and not await supervises(session, actor, case.department_id):
        raise Forbidden("only officers handling this case, or their supervisors, may change it")
