"""Intake: a case is registered at a counter by an officer or submitted online by the applicant.

Either way the approval line is copied from the task type's template, each step gets its officer by role
(the department's least busy officer does the work, the heads up the tree sign), the planned due times follow
the standard days, and the case's deadline follows the statutory days (민원 처리에 관한 법률 제19조).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import (
    Applicant,
    Case,
    CaseStatus,
    Department,
    DepartmentLevel,
    Officer,
    OfficerRole,
    Step,
    StepRole,
    StepStatus,
    StepTemplate,
    TaskType,
)
from resolvers import access_code, events
from resolvers.errors import Forbidden, WorkflowCode, WorkflowError
from resolvers.statutory_clock import SEOUL, due_at
from resolvers.workflow.access import require_worker, supervises
from resolvers.workflow.checks import Policy, occurred_at, required_public_text, required_text
from resolvers.workflow.rows import holidays


def _width(column: Any) -> int:
    """How many characters a String column stores: input is held to the width declared once, in the model."""
    length = column.type.length
    assert isinstance(length, int)
    return length


TITLE_LIMIT = _width(Case.__table__.c.title)
LOCATION_LIMIT = _width(Case.__table__.c.location)
NAME_LIMIT = _width(Applicant.__table__.c.name)
PHONE_LIMIT = _width(Applicant.__table__.c.phone)
EMAIL_LIMIT = _width(Applicant.__table__.c.email)
ADDRESS_LIMIT = _width(Applicant.__table__.c.address)
HEAD_ROLES = (StepRole.TEAM_LEAD, StepRole.DIVISION_HEAD, StepRole.BUREAU_HEAD)


@dataclass(frozen=True)
class ApplicantDetails:
    name: str
    phone: str
    email: str
    address: str


@dataclass(frozen=True)
class Application:
    task_type_code: str
    title: str
    location: str
    applicant: ApplicantDetails


@dataclass(frozen=True)
class Registered:
    case: Case
    access_code: str


def _validated(application: Application) -> Application:
    person = application.applicant
    return Application(
        task_type_code=application.task_type_code,
        title=required_public_text(application.title, "title", TITLE_LIMIT),
        location=required_public_text(application.location, "location", LOCATION_LIMIT),
        applicant=ApplicantDetails(
            name=required_text(person.name, "applicant.name", NAME_LIMIT),
            phone=required_text(person.phone, "applicant.phone", PHONE_LIMIT),
            email=required_text(person.email, "applicant.email", EMAIL_LIMIT),
            address=required_text(person.address, "applicant.address", ADDRESS_LIMIT),
        ),
    )


async def _task_type(session: AsyncSession, code: str) -> TaskType:
    task_type = await session.scalar(select(TaskType).where(TaskType.code == code))
    if task_type is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such task type", "taskTypeCode")
    return task_type


async def _receipt_no(session: AsyncSession, task_type: TaskType, received_at: datetime) -> str:
    prefix = f"{received_at.astimezone(SEOUL).year}-{task_type.code}-"
    # Concurrent intakes of one task type and year take turns for the next serial number.
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:prefix))"), {"prefix": prefix})
    # The largest serial as a number, not as text: after …-99999 comes …-100000 (six digits, and so on), which
    # sorts before …-99999 as text and would repeat forever.
    serial_text = func.substr(Case.receipt_no, len(prefix) + 1)
    last = await session.scalar(
        select(func.max(cast(serial_text, BigInteger))).where(
            Case.receipt_no.startswith(prefix, autoescape=True), serial_text.regexp_match("^[0-9]+$")
        )
    )
    return f"{prefix}{(last or 0) + 1:05d}"


async def _assignees(session: AsyncSession, department: Department, handler: Officer | None) -> dict[StepRole, Officer]:
    """Who holds each role of the line for a case of `department`."""
    chain_ids = [int(part) for part in department.path.strip("/").split("/")][::-1]
    heads: dict[int, Officer | None] = {}
    for row in (
        await session.execute(
            select(Department.id, Officer)
            .outerjoin(Officer, Officer.id == Department.head_id)
            .where(Department.id.in_(chain_ids))
        )
    ).all():
        heads[row[0]] = row[1]
    chain = [heads.get(department_id) for department_id in chain_ids]
    if handler is None or handler.department_id != department.id:
        open_steps = (
            select(func.count())
            .select_from(Step)
            .where(Step.officer_id == Officer.id, Step.status.in_([StepStatus.IN_PROGRESS, StepStatus.PENDING]))
            .scalar_subquery()
        )
        handler = await session.scalar(
            select(Officer)
            .where(
                Officer.department_id == department.id, Officer.active.is_(True), Officer.role == OfficerRole.OFFICER
            )
            .order_by(open_steps, Officer.id)
            .limit(1)
        )
    if handler is None:
        raise WorkflowError(
            WorkflowCode.NO_ASSIGNEE, "the department has no officer to handle the case", "departmentId"
        )
    assigned: dict[StepRole, Officer] = {role: handler for role in StepRole if role not in HEAD_ROLES}
    for level, role in enumerate(HEAD_ROLES):
        head = chain[level] if level < len(chain) else None
        if head is not None:
            assigned[role] = head
    return assigned


async def _instantiate(
    session: AsyncSession,
    task_type: TaskType,
    department: Department,
    application: Application,
    received_at: datetime,
    handler: Officer | None,
    actor: Officer | None,
    kind: type[payloads.CaseRegistered],
) -> Registered:
    calendar = await holidays(session)
    templates = (
        await session.scalars(
            select(StepTemplate).where(StepTemplate.task_type_id == task_type.id).order_by(StepTemplate.sequence)
        )
    ).all()
    assigned = await _assignees(session, department, handler)
    case = Case(
        receipt_no=await _receipt_no(session, task_type, received_at),
        task_type_id=task_type.id,
        department_id=department.id,
        title=application.title,
        location=application.location,
        status=CaseStatus.IN_PROGRESS,
        received_at=received_at,
        due_at=due_at(received_at, task_type.statutory_days, calendar),
    )
    session.add(case)
    await session.flush()
    planned_days = 0
    steps = []
    for template in templates:
        if template.role not in assigned:
            raise WorkflowError(
                WorkflowCode.NO_ASSIGNEE,
                f"no one holds the role {template.role.value} above this department",
                "departmentId",
            )
        planned_days += template.standard_days
        first = template.sequence == templates[0].sequence
        steps.append(
            Step(
                case_id=case.id,
                sequence=template.sequence,
                name=template.name,
                role=template.role,
                officer_id=assigned[template.role].id,
                status=StepStatus.IN_PROGRESS if first else StepStatus.PENDING,
                started_at=received_at if first else None,
                due_at=due_at(received_at, planned_days, calendar),
                standard_days=template.standard_days,
                legal_basis_id=template.legal_reference_id,
            )
        )
    session.add_all(steps)
    code = access_code.new_code()
    person = application.applicant
    session.add(
        Applicant(
            case_id=case.id,
            name=person.name,
            phone=person.phone,
            email=person.email,
            address=person.address,
            access_code_hash=await access_code.hash_in_thread(code),
        )
    )
    await session.flush()
    await events.append(
        session,
        kind(
            task_type=task_type.code,
            department_id=department.id,
            title=case.title,
            location=case.location,
            line=[events.planned(step) for step in steps],
        ),
        case=case,
        step=steps[0] if steps else None,
        actor=actor,
        occurred_at=received_at,
    )
    return Registered(case=case, access_code=code)


async def reissue_access_code(session: AsyncSession, case: Case) -> str:
    """A fresh access code for the case's applicant; the previous one stops working."""
    code = access_code.new_code()
    applicant = await session.get(Applicant, case.id, with_for_update=True)
    assert applicant is not None, "every case has its applicant row"
    applicant.access_code_hash = await access_code.hash_in_thread(code)
    return code


async def register(
    session: AsyncSession,
    actor: Officer,
    policy: Policy,
    application: Application,
    department_id: int | None,
    received: datetime | None,
) -> Registered:
    """An officer registers a case at the counter, for their own department or one they head."""
    require_worker(actor)
    checked = _validated(application)
    task_type = await _task_type(session, checked.task_type_code)
    target = department_id or actor.department_id
    department = await session.get(Department, target)
    if department is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such department", "departmentId")
    if target != actor.department_id and not await supervises(session, actor, target):
        raise Forbidden("officers register cases for their own department, supervisors for those they head")
    received_at = occurred_at(received, policy, field="receivedAt")
    return await _instantiate(
        session, task_type, department, checked, received_at, actor, actor, payloads.CaseRegistered
    )


async def _receiving_department(session: AsyncSession, task_type: TaskType, location: str) -> Department | None:
    """The task type's receiving unit, or where that unit lies in a district office, the same unit of the district
    the address names: district offices are organised alike, so it is the unit reached by the same names."""
    department = await session.get(Department, task_type.department_id) if task_type.department_id else None
    if department is None:
        return None
    above = [int(part) for part in department.path.strip("/").split("/")]
    chain = {row.id: row for row in await session.scalars(select(Department).where(Department.id.in_(above)))}
    offices = [index for index, unit in enumerate(above) if chain[unit].level is DepartmentLevel.DISTRICT]
    if not offices:
        return department
    words = set(location.split())
    districts = await session.scalars(select(Department).where(Department.level == DepartmentLevel.DISTRICT))
    named = next((office for office in districts if office.name.removesuffix("청") in words), None)
    if named is None:
        return department
    for unit in above[offices[0] + 1 :]:
        named = await session.scalar(
            select(Department).where(Department.parent_id == named.id, Department.name == chain[unit].name)
        )
        if named is None:
            return department
    return named


async def submit(session: AsyncSession, application: Application, now: datetime) -> Registered:
    """The applicant applies online; the case goes to the task type's receiving unit, of the district the address
    names where district offices handle the task."""
    checked = _validated(application)
    task_type = await _task_type(session, checked.task_type_code)
    department = await _receiving_department(session, task_type, checked.location)
    if department is None:
        raise WorkflowError(
            WorkflowCode.INVALID_VALUE, "this task type does not take online applications", "taskTypeCode"
        )
    return await _instantiate(session, task_type, department, checked, now, None, None, payloads.ApplicationSubmitted)
