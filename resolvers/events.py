"""The event log: appended inside every writing transaction, read by the public history and feed.

`append` takes the next number from the single `event_counter` row with an UPDATE, which locks that row until
the transaction ends: sequence numbers are gapless and commit in order, so a reader that has seen event N has
seen every event before it. Writers serialise only on that row and only for the end of their transaction,
because events are appended last.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.leaf import instant
from models import Case, CaseStatus, Event, EventCounter, EventType, Officer, Step, StepStatus
from resolvers import ledger
from resolvers.dataloaders import Sessions
from resolvers.pagination import Page, page_size

Payload = dict[str, Any]


def officer_payload(officer: Officer | None) -> Payload | None:
    """An officer's public identity, as events show it."""
    if officer is None:
        return None
    return {"id": officer.id, "name": officer.name, "title": officer.title}


def case_payload(receipt_no: str, status: CaseStatus, due_at: datetime) -> Payload:
    return {"receiptNo": receipt_no, "status": status.value, "dueAt": instant(due_at)}


def step_payload(sequence: int, name: str, status: StepStatus, officer_id: int, due_at: datetime | None) -> Payload:
    return {
        "sequence": sequence,
        "name": name,
        "status": status.value,
        "officerId": officer_id,
        "dueAt": instant(due_at) if due_at else None,
    }


def payload(actor: Payload | None, case: Payload | None, step: Payload | None, details: Payload | None) -> Payload:
    """The public content of an event: who, which case and step as they stand after it, and its details."""
    content: Payload = {"actor": actor}
    if case is not None:
        content["case"] = case
    if step is not None:
        content["step"] = step
    content.update(details or {})
    return content


async def append(
    session: AsyncSession,
    type: EventType,
    *,
    case: Case | None,
    step: Step | None = None,
    actor: Officer | None,
    occurred_at: datetime,
    details: Payload | None = None,
) -> Event:
    """Append one event; its payload is public data only (never anything from the applicant table)."""
    content = payload(
        officer_payload(actor),
        case_payload(case.receipt_no, case.status, case.due_at) if case else None,
        step_payload(step.sequence, step.name, step.status, step.officer_id, step.due_at) if step else None,
        details,
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
        type=type,
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
