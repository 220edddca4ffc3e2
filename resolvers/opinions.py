"""Citizen opinions (시민의견): anyone leaves one; the department concerned moderates it in public and answers it.

Nothing here records who wrote an opinion: no address, no account, no token. Opinions are not events either: they
never enter the event log, the ledger or a log line, because their text is the citizen's own and may hold personal
data. The department concerned is the case's (for a case or one of its steps), the officer's, or the task type's.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Department, Officer, OfficerRole, Opinion, OpinionStatus, Step, TaskType
from resolvers.context import Context
from resolvers.errors import Forbidden, InvalidInput, Unauthenticated, WorkflowCode, WorkflowError
from resolvers.pagination import Page, Slice, build_page, encode_cursor, keyset
from resolvers.personal_data import found_in
from resolvers.workflow.access import WORKERS, supervises
from resolvers.workflow.checks import required_public_text, required_text, text

BODY_LIMIT = 1_000
ALIAS_LIMIT = 30
DEFAULT_ALIAS = "시민"
REASON_LIMIT = 300
ANSWER_LIMIT = 2_000
NEWEST_FIRST = "POSTED_AT_DESC"

MODERATORS = "only a supervisor of the department concerned (or above it), or an administrator, moderates opinions"
ANSWERERS = "only officers of the department concerned, or supervisors above it, answer opinions"


@dataclass(frozen=True)
class Subject:
    """What an opinion is about: exactly one of these."""

    case_receipt_no: str | None = None
    step_id: int | None = None
    officer_id: int | None = None
    task_type_code: str | None = None

    def __post_init__(self) -> None:
        given = [self.case_receipt_no, self.step_id, self.officer_id, self.task_type_code]
        if sum(value is not None for value in given) != 1:
            raise InvalidInput("about", "give exactly one of caseReceiptNo, stepId, officerId and taskTypeCode")


def held_reason(kinds: Sequence[str]) -> str:
    return f"개인정보({', '.join(kinds)})로 보이는 내용이 있어 담당 부서의 검토 후 공개됩니다."


def _about(subject: Subject) -> ColumnElement[bool]:
    if subject.case_receipt_no is not None:
        return Opinion.case_id == select(Case.id).where(Case.receipt_no == subject.case_receipt_no).scalar_subquery()
    if subject.step_id is not None:
        return Opinion.step_id == subject.step_id
    if subject.officer_id is not None:
        return Opinion.officer_id == subject.officer_id
    code = subject.task_type_code
    return Opinion.task_type_id == select(TaskType.id).where(TaskType.code == code).scalar_subquery()


async def _target(session: AsyncSession, subject: Subject) -> dict[str, int]:
    """The opinion's one foreign key, for a subject that must exist."""
    found: int | None
    if subject.case_receipt_no is not None:
        column, field, noun = "case_id", "about.caseReceiptNo", "case"
        found = await session.scalar(select(Case.id).where(Case.receipt_no == subject.case_receipt_no.strip()))
    elif subject.step_id is not None:
        column, field, noun = "step_id", "about.stepId", "step"
        found = await session.scalar(select(Step.id).where(Step.id == subject.step_id))
    elif subject.officer_id is not None:
        column, field, noun = "officer_id", "about.officerId", "officer"
        found = await session.scalar(select(Officer.id).where(Officer.id == subject.officer_id))
    else:
        column, field, noun = "task_type_id", "about.taskTypeCode", "task type"
        code = (subject.task_type_code or "").strip()
        found = await session.scalar(select(TaskType.id).where(TaskType.code == code))
    if found is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, f"no such {noun}", field)
    return {column: found}


async def leave(session: AsyncSession, subject: Subject, body: str, alias: str | None) -> Opinion:
    """Store a citizen's opinion: published at once, or held with a public reason when it looks like personal data."""
    written = required_text(body, "body", BODY_LIMIT)
    name = text(alias, "alias", ALIAS_LIMIT, required=False) or DEFAULT_ALIAS
    if found_in(name):
        # An alias never needs contact details, and the author can fix it at once.
        raise WorkflowError(
            WorkflowCode.INVALID_VALUE, "must not hold a phone number, e-mail or registration number", "alias"
        )
    target = await _target(session, subject)
    kinds = found_in(written)
    opinion = Opinion(
        **target,
        author_alias=name,
        body=written,
        # To the minute: an exact instant could be matched against a web server's access log (address and time).
        posted_at=datetime.now(UTC).replace(second=0, microsecond=0),
        status=OpinionStatus.HELD if kinds else OpinionStatus.PUBLISHED,
        moderation_reason=held_reason(kinds) if kinds else None,
    )
    session.add(opinion)
    await session.flush()
    return opinion


async def _department_concerned(session: AsyncSession, opinion: Opinion) -> int | None:
    if opinion.case_id is not None:
        return await session.scalar(select(Case.department_id).where(Case.id == opinion.case_id))
    if opinion.step_id is not None:
        return await session.scalar(
            select(Case.department_id).join(Step, Step.case_id == Case.id).where(Step.id == opinion.step_id)
        )
    if opinion.officer_id is not None:
        return await session.scalar(select(Officer.department_id).where(Officer.id == opinion.officer_id))
    return await session.scalar(select(TaskType.department_id).where(TaskType.id == opinion.task_type_id))


async def _works_in(session: AsyncSession, actor: Officer, department_id: int) -> bool:
    """The actor's own unit is the department or one below it."""
    target = select(Department.path).where(Department.id == department_id).scalar_subquery()
    own = select(Department.path).where(Department.id == actor.department_id).scalar_subquery()
    return bool(await session.scalar(select(own.startswith(target, autoescape=False))))


async def may_moderate(session: AsyncSession, actor: Officer, opinion: Opinion) -> bool:
    if actor.role is OfficerRole.ADMINISTRATOR:
        return True
    if actor.role is not OfficerRole.SUPERVISOR:
        return False
    department_id = await _department_concerned(session, opinion)
    return department_id is not None and await supervises(session, actor, department_id)


async def may_answer(session: AsyncSession, actor: Officer, opinion: Opinion) -> bool:
    department_id = await _department_concerned(session, opinion)
    if department_id is None:
        # A task type no department receives: nobody works it, so the administrators who keep it answer.
        return actor.role is OfficerRole.ADMINISTRATOR
    if actor.role not in WORKERS:
        return False
    return await _works_in(session, actor, department_id) or await supervises(session, actor, department_id)


async def _locked(session: AsyncSession, opinion_id: int) -> Opinion:
    opinion = await session.get(Opinion, opinion_id, with_for_update=True)
    if opinion is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, "no such opinion", "opinionId")
    return opinion


async def moderate(
    session: AsyncSession, actor: Officer, opinion_id: int, decision: OpinionStatus, reason: str
) -> Opinion:
    """Publish or hide an opinion, with a public reason."""
    if actor.role not in (OfficerRole.SUPERVISOR, OfficerRole.ADMINISTRATOR):
        raise Forbidden(MODERATORS)
    opinion = await _locked(session, opinion_id)
    if not await may_moderate(session, actor, opinion):
        raise Forbidden(MODERATORS)
    if decision is OpinionStatus.HELD:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "publish or hide: only the automatic check holds", "decision")
    explained = required_public_text(reason, "reason", REASON_LIMIT)
    if opinion.status is decision:
        raise WorkflowError(WorkflowCode.INVALID_STATE, f"the opinion is already {decision.value}", "decision")
    opinion.status, opinion.moderation_reason = decision, explained
    opinion.moderated_at, opinion.moderated_by_id = datetime.now(UTC), actor.id
    return opinion


async def answer(session: AsyncSession, actor: Officer, opinion_id: int, reply: str) -> Opinion:
    """Answer a published opinion in public, once."""
    if actor.role is OfficerRole.AUDITOR:
        raise Forbidden(ANSWERERS)
    opinion = await _locked(session, opinion_id)
    if not await may_answer(session, actor, opinion):
        raise Forbidden(ANSWERERS)
    written = required_public_text(reply, "answer", ANSWER_LIMIT)
    if opinion.answer is not None:
        # A public answer is not rewritten silently; a correction is a matter for a new opinion and answer.
        raise WorkflowError(WorkflowCode.CONFLICT, "the opinion is already answered", "opinionId")
    if opinion.status is not OpinionStatus.PUBLISHED:
        raise WorkflowError(
            WorkflowCode.INVALID_STATE, f"the opinion is {opinion.status.value}; only published ones are answered"
        )
    opinion.answer, opinion.answered_at, opinion.answered_by_id = written, datetime.now(UTC), actor.id
    return opinion


async def may_read_withheld(context: Context, opinion_id: int) -> bool:
    """Whether the caller may read a held or hidden opinion's text: those who may moderate it, to decide."""
    if context.token is None:
        return False
    try:
        actor = await context.officer()
    except Unauthenticated:
        # A public read stays public: a bad token only means seeing what everyone sees.
        return False
    async with context.sessions() as session:
        opinion = await session.get(Opinion, opinion_id)
        return opinion is not None and await may_moderate(session, actor, opinion)


async def list_opinions(context: Context, subject: Subject, window: Slice) -> Page[Opinion]:
    """Opinions about one subject, newest first, whatever their status (moderation is public)."""
    about = _about(subject)
    newest_first = (Opinion.posted_at, datetime)
    statement = keyset(select(Opinion).where(about), window, NEWEST_FIRST, Opinion.id, newest_first, ascending=False)
    async with context.sessions() as session:
        rows = (await session.scalars(statement)).all()

    async def count() -> int:
        async with context.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Opinion).where(about)) or 0

    return build_page(rows, window, lambda row: encode_cursor(NEWEST_FIRST, row.posted_at, row.id), count)


async def opinions_by_ids(context: Context, ids: Sequence[int]) -> list[Opinion | None]:
    async with context.sessions() as session:
        found = {row.id: row for row in await session.scalars(select(Opinion).where(Opinion.id.in_(ids)))}
    return [found.get(opinion_id) for opinion_id in ids]
