"""Reference data kept by administrators: task types with their approval lines, laws, departments, officers, and
the standing inspection teams.

One document (YAML from the CLI, or the same text through the `importReferenceData` mutation) is applied as
upserts keyed by natural keys (codes, employee numbers, law and article), so adding a task type is data, not
code. Cases keep the approval line they were registered with; a new line applies to new cases only.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import (
    Department,
    DepartmentLevel,
    InspectionTeam,
    InspectionTeamMember,
    LegalReference,
    Officer,
    OfficerRole,
    StepRole,
    StepTemplate,
    TaskCategory,
    TaskType,
    task_type_legal_reference,
)
from resolvers import events
from resolvers.errors import WorkflowCode, WorkflowError
from resolvers.workflow.access import require_role

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
DOCUMENT_LIMIT = 1_000_000


def law_url(law: str, article: str) -> str:
    """The article on the national law information site, which names laws without spaces."""
    return f"https://www.law.go.kr/법령/{law.replace(' ', '')}/{article}"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LawEntry(Strict):
    law: Text
    article: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
    title: Text
    excerpt: LongText
    url: Annotated[str, StringConstraints(max_length=300, pattern=r"^https://")] | None = None

    @property
    def key(self) -> str:
        return f"{self.law} {self.article}"


class DepartmentEntry(Strict):
    code: Code
    name: Text
    level: DepartmentLevel
    parent: Code | None = None
    phone: Annotated[str, StringConstraints(max_length=20)]
    head: Code | None = Field(default=None, description="employee number of the head")


class OfficerEntry(Strict):
    employee_no: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    department: Code
    email: Annotated[str, StringConstraints(max_length=100, pattern=r"^[^@\s]+@[^@\s]+$")]
    phone: Annotated[str, StringConstraints(max_length=20)]
    role: OfficerRole = OfficerRole.OFFICER
    active: bool = True


class StepEntry(Strict):
    name: Text
    role: StepRole
    standard_days: int = Field(ge=1, le=365)
    law: str | None = Field(default=None, description='"<law> <article>" of a legal reference')


class TaskTypeEntry(Strict):
    code: Code
    name: Text
    category: TaskCategory
    description: LongText
    disclosure_reason: LongText
    statutory_days: int = Field(ge=1, le=365)
    period_in_law: bool = Field(
        default=True, description="false where no law sets the period (enforcement): statutory_days is the city's"
    )
    standard_days: int = Field(ge=1, le=365)
    fee: Text | None = Field(default=None, description="what an applicant pays, as the law or ordinance says")
    department: Code | None = Field(default=None, description="receives online applications")
    laws: list[str] = Field(default_factory=list)
    approval_line: list[StepEntry] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _days(self) -> "TaskTypeEntry":
        if self.standard_days > self.statutory_days:
            raise ValueError("standard_days must not exceed statutory_days")
        return self


class InspectionTeamEntry(Strict):
    name: Text
    department: Code = Field(description="the unit the team belongs to, which it never inspects")
    members: list[Code] = Field(default_factory=list, description="employee numbers of the inspectors")
    active: bool = True


# Members of a task-type entry that are task-type columns as they are; the rest (department, laws, the line) refer
# to other rows. A new plain column needs only its member here.
PLAIN_TASK_TYPE_MEMBERS = frozenset(TaskTypeEntry.model_fields) & frozenset(TaskType.__table__.columns.keys())


class ReferenceData(Strict):
    legal_references: list[LawEntry] = Field(default_factory=list)
    departments: list[DepartmentEntry] = Field(default_factory=list)
    officers: list[OfficerEntry] = Field(default_factory=list)
    task_types: list[TaskTypeEntry] = Field(default_factory=list)
    inspection_teams: list[InspectionTeamEntry] = Field(default_factory=list)


def parse(document: str) -> ReferenceData:
    """Parse and validate a YAML (or JSON) document; every problem is reported with its path."""
    if len(document) > DOCUMENT_LIMIT:
        raise WorkflowError(WorkflowCode.TOO_LONG, f"at most {DOCUMENT_LIMIT:,} characters", "document")
    try:
        loaded = yaml.safe_load(document)
        return ReferenceData.model_validate(loaded or {})
    except yaml.YAMLError as error:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, f"not valid YAML: {error}", "document") from error
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise WorkflowError(
            WorkflowCode.INVALID_VALUE, f"{first['msg']} ({error.error_count()} problem(s))", path
        ) from error


class _Applier:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _by(self, model: type[Any], column: Any, value: str, field: str) -> Any:
        row = await self.session.scalar(select(model).where(column == value))
        if row is None:
            raise WorkflowError(WorkflowCode.NOT_FOUND, f"{value!r} is neither in the document nor stored", field)
        return row

    async def _move_subtree(self, old_path: str, new_path: str) -> None:
        """A unit moved in the tree: the materialised paths of everything below it follow."""
        await self.session.execute(
            update(Department)
            .where(Department.path.startswith(old_path, autoescape=True), Department.path != old_path)
            .values(path=new_path + func.substr(Department.path, len(old_path) + 1))
        )

    async def law(self, key: str, field: str) -> LegalReference:
        law, _, article = key.rpartition(" ")
        row = await self.session.scalar(
            select(LegalReference).where(LegalReference.law == law, LegalReference.article == article)
        )
        if row is None:
            raise WorkflowError(WorkflowCode.NOT_FOUND, f"no legal reference {key!r}", field)
        return row

    async def apply(self, data: ReferenceData) -> dict[str, list[str]]:
        for law in data.legal_references:
            await self.legal_reference(law)
        await self.session.flush()
        heads = [await self.department(index, entry) for index, entry in enumerate(data.departments)]
        for index, officer in enumerate(data.officers):
            await self.officer(index, officer)
        await self.session.flush()
        # Heads last: a department may be headed by an officer the same document creates.
        for index, (department, entry) in enumerate(zip(heads, data.departments, strict=True)):
            if entry.head:
                head = await self._by(Officer, Officer.employee_no, entry.head, f"departments.{index}.head")
                department.head_id = head.id
        for index, task_type in enumerate(data.task_types):
            await self.task_type(index, task_type)
        for index, team in enumerate(data.inspection_teams):
            await self.inspection_team(index, team)
        await self.session.flush()
        return {
            "legalReferences": [entry.key for entry in data.legal_references],
            "departments": [entry.code for entry in data.departments],
            "officers": [entry.employee_no for entry in data.officers],
            "taskTypes": [entry.code for entry in data.task_types],
            "inspectionTeams": [entry.name for entry in data.inspection_teams],
        }

    async def inspection_team(self, index: int, entry: InspectionTeamEntry) -> None:
        where = f"inspection_teams.{index}"
        department = await self._by(Department, Department.code, entry.department, f"{where}.department")
        members = [
            await self._by(Officer, Officer.employee_no, employee_no, f"{where}.members.{member}")
            for member, employee_no in enumerate(dict.fromkeys(entry.members))
        ]
        row = await self.session.scalar(select(InspectionTeam).where(InspectionTeam.name == entry.name))
        if row is None:
            row = InspectionTeam(name=entry.name)
            self.session.add(row)
        row.department_id, row.active = department.id, entry.active
        await self.session.flush()
        # The members are replaced whole, as a line is.
        await self.session.execute(delete(InspectionTeamMember).where(InspectionTeamMember.team_id == row.id))
        self.session.add_all(InspectionTeamMember(team_id=row.id, officer_id=officer.id) for officer in members)

    async def legal_reference(self, entry: LawEntry) -> None:
        row = await self.session.scalar(
            select(LegalReference).where(LegalReference.law == entry.law, LegalReference.article == entry.article)
        )
        url = entry.url or law_url(entry.law, entry.article)
        if row is None:
            self.session.add(
                LegalReference(law=entry.law, article=entry.article, title=entry.title, excerpt=entry.excerpt, url=url)
            )
        else:
            row.title, row.excerpt, row.url = entry.title, entry.excerpt, url

    async def department(self, index: int, entry: DepartmentEntry) -> Department:
        parent: Department | None = None
        if entry.parent:
            parent = await self._by(Department, Department.code, entry.parent, f"departments.{index}.parent")
        row = await self.session.scalar(select(Department).where(Department.code == entry.code))
        if row is None:
            row = Department(code=entry.code, name=entry.name, level=entry.level, phone=entry.phone, path="/")
            self.session.add(row)
            await self.session.flush()
        row.name, row.level, row.phone = entry.name, entry.level, entry.phone
        row.parent_id = parent.id if parent else None
        old_path, row.path = row.path, f"{parent.path if parent else '/'}{row.id}/"
        if old_path not in ("/", row.path):
            await self._move_subtree(old_path, row.path)
        return row

    async def officer(self, index: int, entry: OfficerEntry) -> None:
        department = await self._by(Department, Department.code, entry.department, f"officers.{index}.department")
        row = await self.session.scalar(select(Officer).where(Officer.employee_no == entry.employee_no))
        if row is None:
            row = Officer(employee_no=entry.employee_no)
            self.session.add(row)
        row.name, row.title, row.department_id = entry.name, entry.title, department.id
        row.email, row.phone, row.role, row.active = entry.email, entry.phone, entry.role, entry.active

    async def task_type(self, index: int, entry: TaskTypeEntry) -> None:
        session, where = self.session, f"task_types.{index}"
        department = (
            await self._by(Department, Department.code, entry.department, f"{where}.department")
            if entry.department
            else None
        )
        row = await session.scalar(select(TaskType).where(TaskType.code == entry.code))
        values = {
            **entry.model_dump(include=set(PLAIN_TASK_TYPE_MEMBERS)),
            "department_id": department.id if department else None,
        }
        if row is None:
            row = TaskType(**values)
            session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await session.flush()
        # The line and the cited laws are replaced whole: cases already hold copies of their own line.
        await session.execute(delete(StepTemplate).where(StepTemplate.task_type_id == row.id))
        await session.execute(
            delete(task_type_legal_reference).where(task_type_legal_reference.c.task_type_id == row.id)
        )
        for law_index, key in enumerate(dict.fromkeys(entry.laws)):
            law = await self.law(key, f"{where}.laws.{law_index}")
            await session.execute(
                task_type_legal_reference.insert().values(task_type_id=row.id, legal_reference_id=law.id)
            )
        for sequence, step in enumerate(entry.approval_line, start=1):
            basis = await self.law(step.law, f"{where}.approval_line.{sequence - 1}.law") if step.law else None
            session.add(
                StepTemplate(
                    task_type_id=row.id,
                    sequence=sequence,
                    name=step.name,
                    role=step.role,
                    standard_days=step.standard_days,
                    legal_reference_id=basis.id if basis else None,
                )
            )


def recorded_in_parts(changed: dict[str, list[str]], limit_bytes: int) -> list[dict[str, list[str]]]:
    """`changed` split, in order, into parts whose names take at most `limit_bytes` (UTF-8) each, every part with
    every kind: one leaf must fit a tlog-tiles entry (65,535 bytes), and a city's whole reference document names
    thousands of officers."""
    parts: list[dict[str, list[str]]] = [{kind: [] for kind in changed}]
    used = 0
    for kind, names in changed.items():
        for name in names:
            size = len(name.encode()) + 3  # the quotes and the comma around it
            if used + size > limit_bytes and used:
                parts.append({kind: [] for kind in changed})
                used = 0
            parts[-1][kind].append(name)
            used += size
    return parts


# What the names of one reference_updated event may take, far below a leaf's 65,535 bytes with its envelope.
NAMES_PER_EVENT_BYTES = 32_000


async def apply(session: AsyncSession, actor: Officer, data: ReferenceData) -> dict[str, list[str]]:
    """Apply a reference document as `actor` (an administrator) and record it as one event (several for a
    document naming more than fits one leaf)."""
    require_role(actor, OfficerRole.ADMINISTRATOR)
    changed = await _Applier(session).apply(data)
    now = datetime.now(UTC)
    for part in recorded_in_parts(changed, NAMES_PER_EVENT_BYTES):
        await events.append(session, payloads.ReferenceUpdated(changed=part), case=None, actor=actor, occurred_at=now)
    return changed


async def export(session: AsyncSession) -> ReferenceData:
    """Everything stored, in the import format: edit it and import it back."""
    laws = (await session.scalars(select(LegalReference).order_by(LegalReference.law, LegalReference.id))).all()
    law_keys = {law.id: f"{law.law} {law.article}" for law in laws}
    departments = (await session.scalars(select(Department).order_by(Department.path))).all()
    codes = {department.id: department.code for department in departments}
    officers = (await session.scalars(select(Officer).order_by(Officer.id))).all()
    employee_nos = {officer.id: officer.employee_no for officer in officers}
    task_types = (await session.scalars(select(TaskType).order_by(TaskType.code))).all()
    templates = (
        await session.scalars(select(StepTemplate).order_by(StepTemplate.task_type_id, StepTemplate.sequence))
    ).all()
    cited = (await session.execute(select(task_type_legal_reference))).all()
    teams = (await session.scalars(select(InspectionTeam).order_by(InspectionTeam.name))).all()
    inspectors = (
        await session.execute(
            select(InspectionTeamMember.team_id, InspectionTeamMember.officer_id).order_by(
                InspectionTeamMember.team_id, InspectionTeamMember.officer_id
            )
        )
    ).all()
    return ReferenceData(
        legal_references=[
            LawEntry(law=law.law, article=law.article, title=law.title, excerpt=law.excerpt, url=law.url)
            for law in laws
        ],
        departments=[
            DepartmentEntry(
                code=d.code,
                name=d.name,
                level=d.level,
                parent=codes.get(d.parent_id) if d.parent_id else None,
                phone=d.phone,
                head=employee_nos.get(d.head_id) if d.head_id else None,
            )
            for d in departments
        ],
        officers=[
            OfficerEntry(
                employee_no=o.employee_no,
                name=o.name,
                title=o.title,
                department=codes[o.department_id],
                email=o.email,
                phone=o.phone,
                role=o.role,
                active=o.active,
            )
            for o in officers
        ],
        task_types=[
            TaskTypeEntry.model_validate(
                {
                    **{name: getattr(t, name) for name in PLAIN_TASK_TYPE_MEMBERS},
                    "department": codes.get(t.department_id) if t.department_id else None,
                    "laws": [law_keys[law_id] for task_id, law_id in cited if task_id == t.id],
                    "approval_line": [
                        StepEntry(
                            name=s.name,
                            role=s.role,
                            standard_days=s.standard_days,
                            law=law_keys.get(s.legal_reference_id) if s.legal_reference_id else None,
                        )
                        for s in templates
                        if s.task_type_id == t.id
                    ],
                }
            )
            for t in task_types
        ],
        inspection_teams=[
            InspectionTeamEntry(
                name=team.name,
                department=codes[team.department_id],
                members=[employee_nos[officer_id] for team_id, officer_id in inspectors if team_id == team.id],
                active=team.active,
            )
            for team in teams
        ],
    )


def dump(data: ReferenceData) -> str:
    return yaml.safe_dump(data.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False)
