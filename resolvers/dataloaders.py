"""Batched loaders, one set per request; each batch runs in its own session.

Strawberry resolves sibling fields concurrently, so a session shared between loaders would be used
by two tasks at once. Every query binds its keys as one array (`= ANY($1)`), so the statement text
is the same whatever the batch size and asyncpg's prepared-statement cache keeps hitting.
"""

from collections import defaultdict
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import BigInteger, ColumnElement, Select, SQLColumnExpression, String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from models import (
    Case,
    Delay,
    DelayEntry,
    Department,
    Document,
    Event,
    FindingDisposition,
    InspectedCase,
    Inspection,
    InspectionTeam,
    InspectionTeamMember,
    LegalReference,
    Officer,
    PublicHoliday,
    ScheduledAction,
    Step,
    StepDurationNorm,
    StepTemplate,
    TaskType,
    task_type_legal_reference,
)

M = TypeVar("M")
Sessions = async_sessionmaker[AsyncSession]


def any_of(column: SQLColumnExpression[Any], name: str = "keys") -> ColumnElement[bool]:
    """`column = ANY(:keys)`: one bind parameter for the whole list of keys."""
    return column == any_(bindparam(name, type_=ARRAY(BigInteger)))


def one_by_key(
    sessions: Sessions, model: type[M], key: SQLColumnExpression[int], *criteria: ColumnElement[bool]
) -> DataLoader[int, M | None]:
    statement = select(key, model).where(any_of(key), *criteria)

    async def load(keys: list[int]) -> list[M | None]:
        async with sessions() as session:
            found = {row[0]: row[1] for row in await session.execute(statement, {"keys": keys})}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def one_by_id(sessions: Sessions, model: type[M], *criteria: ColumnElement[bool]) -> DataLoader[int, M | None]:
    return one_by_key(sessions, model, model.id, *criteria)  # type: ignore[attr-defined]


def many_by(sessions: Sessions, key: SQLColumnExpression[Any], statement: Select[Any]) -> DataLoader[int, list[M]]:
    """Group the rows of `statement` (which selects the grouping key first, then the entity) by key."""
    keyed = statement.where(any_of(key))

    async def load(keys: list[int]) -> list[list[M]]:
        groups: defaultdict[int, list[M]] = defaultdict(list)
        async with sessions() as session:
            for group, entity in await session.execute(keyed, {"keys": keys}):
                groups[group].append(entity)
        return [groups.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


def _by_column(model: type[M], column: SQLColumnExpression[Any], *order: SQLColumnExpression[Any]) -> Select[Any]:
    return select(column, model).order_by(*order)


class Loaders:
    """Every relation of the public read API, named by its access path."""

    def __init__(self, sessions: Sessions) -> None:
        self.case_by_id: DataLoader[int, Case | None] = one_by_id(sessions, Case)
        self.department_by_id: DataLoader[int, Department | None] = one_by_id(sessions, Department)
        self.officer_by_id: DataLoader[int, Officer | None] = one_by_id(sessions, Officer)
        self.task_type_by_id: DataLoader[int, TaskType | None] = one_by_id(sessions, TaskType)
        self.step_template_by_id: DataLoader[int, StepTemplate | None] = one_by_id(sessions, StepTemplate)
        self.legal_reference_by_id: DataLoader[int, LegalReference | None] = one_by_id(sessions, LegalReference)
        self.step_by_id: DataLoader[int, Step | None] = one_by_id(sessions, Step)
        self.event_by_seq: DataLoader[int, Event | None] = one_by_key(sessions, Event, Event.seq)
        self.scheduled_action_by_id: DataLoader[int, ScheduledAction | None] = one_by_id(sessions, ScheduledAction)
        # Private documents are invisible by construction: the loader never returns them.
        self.public_document_by_id: DataLoader[int, Document | None] = one_by_id(
            sessions, Document, Document.is_public.is_(True)
        )

        self.departments_by_parent_id: DataLoader[int, list[Department]] = many_by(
            sessions, Department.parent_id, _by_column(Department, Department.parent_id, Department.code)
        )
        self.officers_by_department_id: DataLoader[int, list[Officer]] = many_by(
            sessions, Officer.department_id, _by_column(Officer, Officer.department_id, Officer.id)
        )
        self.steps_by_case_id: DataLoader[int, list[Step]] = many_by(
            sessions, Step.case_id, _by_column(Step, Step.case_id, Step.sequence)
        )
        self.public_documents_by_case_id: DataLoader[int, list[Document]] = many_by(
            sessions,
            Document.case_id,
            _by_column(Document, Document.case_id, Document.registered_at, Document.id).where(
                Document.is_public.is_(True)
            ),
        )
        self.scheduled_actions_by_case_id: DataLoader[int, list[ScheduledAction]] = many_by(
            sessions,
            ScheduledAction.case_id,
            _by_column(ScheduledAction, ScheduledAction.case_id, ScheduledAction.scheduled_for, ScheduledAction.id),
        )
        self.step_templates_by_task_type_id: DataLoader[int, list[StepTemplate]] = many_by(
            sessions,
            StepTemplate.task_type_id,
            _by_column(StepTemplate, StepTemplate.task_type_id, StepTemplate.sequence),
        )
        self.step_templates_by_legal_reference_id: DataLoader[int, list[StepTemplate]] = many_by(
            sessions,
            StepTemplate.legal_reference_id,
            _by_column(StepTemplate, StepTemplate.legal_reference_id, StepTemplate.task_type_id, StepTemplate.sequence),
        )
        link = task_type_legal_reference.c
        self.legal_references_by_task_type_id: DataLoader[int, list[LegalReference]] = many_by(
            sessions,
            link.task_type_id,
            select(link.task_type_id, LegalReference)
            .join(LegalReference, LegalReference.id == link.legal_reference_id)
            .order_by(LegalReference.law, LegalReference.id),
        )
        self.task_types_by_legal_reference_id: DataLoader[int, list[TaskType]] = many_by(
            sessions,
            link.legal_reference_id,
            select(link.legal_reference_id, TaskType)
            .join(TaskType, TaskType.id == link.task_type_id)
            .order_by(TaskType.code),
        )
        self.delay_by_id: DataLoader[int, Delay | None] = one_by_id(sessions, Delay)
        self.delays_by_case_id: DataLoader[int, list[Delay]] = many_by(
            sessions, Delay.case_id, _by_column(Delay, Delay.case_id, Delay.detected_at, Delay.id)
        )
        self.late_entries_by_delay_id: DataLoader[int, list[Event]] = many_by(
            sessions,
            DelayEntry.delay_id,
            _by_column(Event, DelayEntry.delay_id, Event.seq).join(Event, Event.seq == DelayEntry.event_seq),
        )
        self.step_duration_norms_by_task_type_id: DataLoader[int, list[StepDurationNorm]] = many_by(
            sessions,
            StepDurationNorm.task_type_id,
            _by_column(StepDurationNorm, StepDurationNorm.task_type_id, StepDurationNorm.sequence),
        )
        self.inspection_by_id: DataLoader[int, Inspection | None] = one_by_id(sessions, Inspection)
        self.inspection_team_by_id: DataLoader[int, InspectionTeam | None] = one_by_id(sessions, InspectionTeam)
        self.inspected_cases_by_inspection_id: DataLoader[int, list[InspectedCase]] = many_by(
            sessions,
            InspectedCase.inspection_id,
            _by_column(InspectedCase, InspectedCase.inspection_id, InspectedCase.case_id),
        )
        self.inspectors_by_team_id: DataLoader[int, list[Officer]] = many_by(
            sessions,
            InspectionTeamMember.team_id,
            _by_column(Officer, InspectionTeamMember.team_id, Officer.id).join(
                InspectionTeamMember, InspectionTeamMember.officer_id == Officer.id
            ),
        )
        self.disposition_by_finding = dispositions_loader(sessions)
        self.holidays = holidays_loader(sessions)


def dispositions_loader(sessions: Sessions) -> DataLoader[tuple[str, int], FindingDisposition | None]:
    """Auditors' current decisions, keyed by (rule, finding key); a page of findings is one rule's, one batch."""
    statement = select(FindingDisposition).where(
        FindingDisposition.rule == any_(bindparam("rules", type_=ARRAY(String))),
        any_of(FindingDisposition.finding_key),
    )

    async def load(keys: list[tuple[str, int]]) -> list[FindingDisposition | None]:
        rules = sorted({rule for rule, _ in keys})
        async with sessions() as session:
            rows = await session.scalars(statement, {"rules": rules, "keys": [key for _, key in keys]})
            found = {(row.rule, row.finding_key): row for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


ALL_HOLIDAYS = 0


def holidays_loader(sessions: Sessions) -> DataLoader[int, frozenset[date]]:
    """The whole holiday calendar (a few dozen rows), read at most once per request; the key is ALL_HOLIDAYS."""

    async def load(keys: list[int]) -> list[frozenset[date]]:
        async with sessions() as session:
            days = frozenset((await session.scalars(select(PublicHoliday.day))).all())
        return [days for _ in keys]

    return DataLoader(load_fn=load)
