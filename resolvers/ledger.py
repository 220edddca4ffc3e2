"""The ledger in PostgreSQL: leaves and perfect-subtree hashes appended with each event, proofs read back.

Leaf index = event sequence − 1 (sequences count from 1, leaves from 0). Appending reads the O(log n) left
siblings the new leaf completes and writes the new nodes, inside the event's own transaction.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import leaf, merkle
from ledger.note import Signer, checkpoint_body
from models import Event, LedgerCheckpoint, LedgerLeaf, LedgerNode
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput

LEAVES_PAGE = 1_000


def leaf_bytes(event: Event) -> bytes:
    return leaf.encode(
        leaf.content(
            event.seq,
            event.type.value,
            event.case_id,
            event.step_id,
            event.actor_officer_id,
            event.occurred_at,
            event.recorded_at,
            event.payload,
        )
    )


async def _nodes(session: AsyncSession, wanted: set[merkle.Node] | list[merkle.Node]) -> dict[merkle.Node, bytes]:
    if not wanted:
        return {}
    rows = await session.execute(
        select(LedgerNode.level, LedgerNode.index, LedgerNode.hash).where(
            tuple_(LedgerNode.level, LedgerNode.index).in_(sorted(wanted))
        )
    )
    return {(level, index): hash for level, index, hash in rows}


async def append(session: AsyncSession, event: Event) -> None:
    """Add the event's leaf and the subtree hashes it completes (call inside the event's transaction)."""
    index = event.seq - 1
    content = leaf_bytes(event)
    siblings = await _nodes(session, merkle.left_siblings_of(index))
    session.add(LedgerLeaf(leaf_index=index, seq=event.seq, leaf=content))
    created = merkle.appended(index, content, lambda level, position: siblings[(level, position)])
    await session.execute(
        insert(LedgerNode).values(
            [{"level": level, "index": position, "hash": digest} for level, position, digest in created]
        )
    )


async def tree_size(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(LedgerLeaf.leaf_index) + 1, 0))) or 0)


async def _checked_size(session: AsyncSession, size: int | None, argument: str) -> int:
    current = await tree_size(session)
    if size is None:
        return current
    if not 0 <= size <= current:
        raise InvalidInput(argument, f"must be between 0 and the tree's size, {current}")
    return size


async def root_at(sessions: Sessions, size: int | None = None) -> tuple[int, bytes]:
    async with sessions() as session:
        size = await _checked_size(session, size, "treeSize")
        stored = await _nodes(session, merkle.needed(lambda nodes: merkle.root(size, nodes)))
        return size, merkle.root(size, lambda level, index: stored[(level, index)])


async def inclusion(sessions: Sessions, index: int, size: int | None) -> tuple[int, list[bytes]]:
    """The audit path of leaf `index` in the tree of `size` leaves (default: the whole tree)."""
    async with sessions() as session:
        size = await _checked_size(session, size, "treeSize")
        if not 0 <= index < size:
            raise InvalidInput("leafIndex", f"must be below the tree size {size}")
        stored = await _nodes(session, merkle.needed(lambda nodes: merkle.inclusion_path(index, size, nodes)))
    return size, merkle.inclusion_path(index, size, lambda level, position: stored[(level, position)])


async def consistency(sessions: Sessions, first: int, second: int | None) -> tuple[int, list[bytes]]:
    async with sessions() as session:
        second = await _checked_size(session, second, "second")
        if not 0 < first <= second:
            raise InvalidInput("first", f"must be between 1 and {second}")
        if first == second:
            return second, []
        stored = await _nodes(session, merkle.needed(lambda nodes: merkle.consistency_proof(first, second, nodes)))
    return second, merkle.consistency_proof(first, second, lambda level, position: stored[(level, position)])


async def leaves(sessions: Sessions, start: int, end: int) -> Sequence[LedgerLeaf]:
    if not 0 <= start < end or end - start > LEAVES_PAGE:
        raise InvalidInput("end", f"give 0 ≤ start < end, at most {LEAVES_PAGE} leaves at a time")
    async with sessions() as session:
        return (
            await session.scalars(
                select(LedgerLeaf)
                .where(LedgerLeaf.leaf_index >= start, LedgerLeaf.leaf_index < end)
                .order_by(LedgerLeaf.leaf_index)
            )
        ).all()


async def events(sessions: Sessions, start: int, end: int) -> Sequence[Event]:
    """Events by leaf index range, as the event table holds them now (for auditors to compare with the leaves)."""
    if not 0 <= start < end or end - start > LEAVES_PAGE:
        raise InvalidInput("end", f"give 0 ≤ start < end, at most {LEAVES_PAGE} at a time")
    async with sessions() as session:
        return (
            await session.scalars(select(Event).where(Event.seq > start, Event.seq <= end).order_by(Event.seq))
        ).all()


async def latest_checkpoint(sessions: Sessions) -> LedgerCheckpoint | None:
    async with sessions() as session:
        return await session.scalar(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1))


async def sign_checkpoint(sessions: Sessions, signer: Signer) -> LedgerCheckpoint | None:
    """Sign the current tree if it grew since the last checkpoint; replicas signing the same size agree."""
    latest = await latest_checkpoint(sessions)
    size, root = await root_at(sessions)
    if latest is not None and latest.size >= size:
        return latest
    note = signer.sign(checkpoint_body(signer.name, size, root))
    async with sessions() as session, session.begin():
        await session.execute(
            insert(LedgerCheckpoint)
            .values(size=size, root=root, note=note, created_at=datetime.now(UTC))
            .on_conflict_do_nothing()
        )
    return LedgerCheckpoint(size=size, root=root, note=note, created_at=datetime.now(UTC))
