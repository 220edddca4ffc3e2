"""The event log: appended inside every writing transaction, read by the public history and feed.

`append` takes the next number from the single `event_counter` row with an UPDATE, which locks that row until
the transaction ends: sequence numbers are gapless and commit in order, so a reader that has seen event N has
seen every event before it. Writers serialise only on that row and only for the end of their transaction,
because events are appended last.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import Case, Event, EventCounter, Officer, Step
from resolvers import ledger
from resolvers.dataloaders import Sessions
from resolvers.pagination import Page, page_size


def shown(officer: Officer) -> payloads.OfficerShown:
    """An officer's public identity, as events show it."""
    return payloads.OfficerShown(id=officer.id, name=officer.name, title=officer.title)


def shown_case(case: Case) -> payloads.CaseShown:
    """A case as events show it, as it stands now."""
    return payloads.CaseShown(receipt_no=case.receipt_no, status=case.status, due_at=case.due_at)


def shown_step(step: Step) -> payloads.StepShown:
    """A step as events show it, as it stands now."""
    return payloads.StepShown(
        sequence=step.sequence, name=step.name, status=step.status, officer_id=step.officer_id, due_at=step.due_at
    )


def planned(step: Step) -> payloads.PlannedStep:
    """A step as the registration's line shows it."""
    return payloads.PlannedStep(
        sequence=step.sequence, name=step.name, role=step.role, officer_id=step.officer_id, due_at=step.due_at
    )


async def append(
    session: AsyncSession,
    details: payloads.Details,
    *,
    case: Case | None,
    step: Step | None = None,
    actor: Officer | None,
    occurred_at: datetime,
) -> Event:
    """Append one event of `details`' kind; its payload is public data only (never anything from the applicant
    table)."""
    content = payloads.payload(
        details,
        actor=shown(actor) if actor else None,
        case=shown_case(case) if case else None,
        step=shown_step(step) if step else None,
    )
    sequence = await session.scalar(
        update(EventCounter)
        .where(EventCounter.id == 1)
        .values(last_seq=EventCounter.last_seq + 1)
        .returning(EventCounter.last_seq)
    )
    assert sequence is not None, "the migration creates the counter row"
    event = Event(
        seq=sequence,
        case_id=case.id if case else None,
        step_id=step.id if step else None,
        type=details.type,
        occurred_at=occurred_at,
        recorded_at=datetime.now(UTC),
        actor_officer_id=actor.id if actor else None,
        payload=content,
    )
    session.add(event)
    await ledger.append(session, event)
    return event


async def list_events(sessions: Sessions, *, case_id: int | None, after: int | None, first: int | None) -> Page[Event]:
    """Events in sequence order, after a sequence number; a sequence is its own cursor."""
    size = page_size(first)
    where: list[ColumnElement[bool]] = []
    if case_id is not None:
        where.append(Event.case_id == case_id)
    statement = select(Event).where(*where)
    if after is not None:
        statement = statement.where(Event.seq > after)
    async with sessions() as session:
        rows: Sequence[Event] = (await session.scalars(statement.order_by(Event.seq).limit(size + 1))).all()

    async def count() -> int:
        async with sessions() as session:
            return await session.scalar(select(func.count()).select_from(Event).where(*where)) or 0

    shown = rows[:size]
    return Page(
        rows=shown,
        cursors=[str(row.seq) for row in shown],
        has_next=len(rows) > size,
        has_previous=after is not None,
        count=count,
    )
