"""Writes run once per idempotency key: a retry gets the first result back and changes nothing more.

The key's row is inserted first, inside the write's own transaction. A concurrent retry with the same key
waits on that row until the first attempt commits (then replays its result) or rolls back (then runs itself).
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    Delay,
    Document,
    FindingDisposition,
    IdempotencyRecord,
    InputterAward,
    Inspection,
    Opinion,
    ScheduledAction,
    Step,
    Webhook,
)
from resolvers.dataloaders import Sessions
from resolvers.errors import WorkflowCode, WorkflowError

KEY_LIMIT = 100
# What a write may return, by the name its replay record keeps.
RESULTS: dict[
    str,
    type[
        Case
        | Step
        | Document
        | ScheduledAction
        | Webhook
        | Opinion
        | Delay
        | FindingDisposition
        | InputterAward
        | Inspection
    ],
] = {
    "Case": Case,
    "Step": Step,
    "Document": Document,
    "ScheduledAction": ScheduledAction,
    "Webhook": Webhook,
    "Opinion": Opinion,
    "Delay": Delay,
    "FindingDisposition": FindingDisposition,
    "InputterAward": InputterAward,
    "Inspection": Inspection,
}
R = TypeVar("R")
Saved = dict[str, Any]


def save_row(row: Any) -> Saved:
    """A changed row is replayed by reference: the retry returns it as it now is."""
    return {"type": type(row).__name__, "id": row.id}


async def load_row(session: AsyncSession, saved: Saved) -> Any:
    row = await session.get(RESULTS[saved["type"]], saved["id"])
    assert row is not None, "what a write returned is never deleted"
    return row


@dataclass(frozen=True)
class Attempt:
    """One call of a write: who sent it, which operation, its key (if any) and what it asked."""

    scope: str
    operation: str
    key: str | None
    arguments: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.arguments, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(f"{self.operation}\n{canonical}".encode()).hexdigest()


async def perform(
    sessions: Sessions,
    attempt: Attempt,
    write: Callable[[AsyncSession], Awaitable[R]],
    replayed: Callable[[AsyncSession, R], Awaitable[None]] | None = None,
    save: Callable[[R], Saved] = save_row,
    load: Callable[[AsyncSession, Saved], Awaitable[R]] = load_row,
) -> tuple[R, bool]:
    """Run `write` in one transaction, at most once per key. Returns the result and whether it was replayed."""
    key = attempt.key
    if key is not None and not 1 <= len(key) <= KEY_LIMIT:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, f"must be 1 to {KEY_LIMIT} characters", "idempotencyKey")
    async with sessions() as session, session.begin():
        if key is None:
            return await write(session), False
        claimed = await session.scalar(
            insert(IdempotencyRecord)
            .values(
                scope=attempt.scope,
                key=key,
                operation=attempt.operation,
                fingerprint=attempt.fingerprint,
                result={},
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        )
        if claimed is None:
            return await _replay(session, attempt, key, replayed, load), True
        result = await write(session)
        await session.flush()
        record = await session.get(IdempotencyRecord, (attempt.scope, key))
        assert record is not None
        record.result = save(result)
        return result, False


async def _replay(
    session: AsyncSession,
    attempt: Attempt,
    key: str,
    replayed: Callable[[AsyncSession, R], Awaitable[None]] | None,
    load: Callable[[AsyncSession, Saved], Awaitable[R]],
) -> R:
    record = await session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == attempt.scope, IdempotencyRecord.key == key)
    )
    assert record is not None, "the conflicting row is committed once the insert returns"
    if record.operation != attempt.operation or record.fingerprint != attempt.fingerprint:
        raise WorkflowError(
            WorkflowCode.IDEMPOTENCY_KEY_REUSED,
            "this key was already used for a different request",
            "idempotencyKey",
        )
    result = await load(session, record.result)
    if replayed is not None:
        await replayed(session, result)
    return result
