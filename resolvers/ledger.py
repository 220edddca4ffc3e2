"""The ledger in PostgreSQL: leaves and perfect-subtree hashes appended with each event, proofs read back.

Leaf index = event sequence − 1 (sequences count from 1, leaves from 0). Appending reads the O(log n) left
siblings the new leaf completes and writes the new nodes, inside the event's own transaction.
"""

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import leaf, merkle, tiles
from ledger.last_signed import LastSigned, Signed
from ledger.note import Signer, checkpoint_body, verify
from models import Event, LedgerCheckpoint, LedgerLeaf, LedgerNode
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput

LEAVES_PAGE = 1_000
BIGINT_MAX = 2**63 - 1  # leaf indices and tree sizes are BIGINT columns


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
    if len(content) > tiles.MAX_ENTRY:
        # Every leaf must fit a tlog-tiles entry; input limits keep leaves far smaller, so this is a bug: the
        # transaction fails rather than append what could never be served right.
        raise ValueError(f"event {event.seq}: a leaf of {len(content)} bytes does not fit a tlog-tiles entry")
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
    """`size` if the tree has reached it; by default the latest checkpoint's size, so that a proof fetched with
    no size verifies against the checkpoint fetched just before (the tree may have grown since)."""
    current = await tree_size(session)
    if size is None:
        signed = await session.scalar(select(func.max(LedgerCheckpoint.size)))
        return current if signed is None else min(int(signed), current)
    if not 0 <= size <= current:
        raise InvalidInput(argument, f"must be between 0 and the tree's size, {current}")
    return size


async def current_root(sessions: Sessions) -> tuple[int, bytes]:
    """The size and root of the whole tree as the database holds it now (what the signer signs)."""
    async with sessions() as session:
        size = await tree_size(session)
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


def _tile_rows(wanted: tiles.Tile) -> Select[bytes]:
    """An entry bundle's leaves, or a tile's hashes: the stored subtrees of tree level 8·L (primary-key ranges)."""
    if wanted.level is None:
        return (
            select(LedgerLeaf.leaf)
            .where(LedgerLeaf.leaf_index >= wanted.start, LedgerLeaf.leaf_index < wanted.end)
            .order_by(LedgerLeaf.leaf_index)
        )
    return (
        select(LedgerNode.hash)
        .where(LedgerNode.level == wanted.tree_level, LedgerNode.index >= wanted.start, LedgerNode.index < wanted.end)
        .order_by(LedgerNode.index)
    )


async def tile(sessions: Sessions, wanted: tiles.Tile) -> list[bytes] | None:
    """A tlog-tile's hashes or an entry bundle's leaves, in one query; None unless the latest checkpoint's tree
    holds the whole tile, so that every tile served agrees with a checkpoint a client can fetch, whatever has
    been appended since."""
    if wanted.tree_size > BIGINT_MAX:
        return None  # beyond any tree the columns can hold (and beyond what PostgreSQL takes as a parameter)
    signed = select(func.coalesce(func.max(LedgerCheckpoint.size), 0)).scalar_subquery()
    async with sessions() as session:
        rows = (await session.scalars(_tile_rows(wanted).where(signed >= wanted.tree_size))).all()
    # Fewer rows than the checkpoint says exist: a damaged table. Never a short tile, which no client could tell.
    return list(rows) if len(rows) == wanted.width else None


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as served: the log's signed note with the witnesses' cosignature lines appended (still one
    valid signed note: a verifier ignores the signatures of keys it does not know)."""

    size: int
    root: bytes
    note: str
    created_at: datetime


async def latest_checkpoint(sessions: Sessions) -> Checkpoint | None:
    async with sessions() as session:
        row = await session.scalar(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1))
    if row is None:
        return None
    return Checkpoint(row.size, row.root, row.note + (row.cosignatures or ""), row.created_at)


class ForkRefused(Exception):
    """The tree in the database does not extend a checkpoint this signer signed: it is not signed."""


async def _signed_before(sessions: Sessions, signer: Signer, last_signed: LastSigned) -> Signed | None:
    """The largest checkpoint known to carry this signer's signature: its own record, or the database's latest
    (another replica sharing the key may have signed it). A row without that signature proves nothing (a forgery,
    or a checkpoint of the key before a rotation) and is not a reference."""
    known = [signed for signed in [last_signed.read()] if signed is not None]
    latest = await latest_checkpoint(sessions)
    if latest is not None and latest.note not in (signed.note for signed in known):
        with contextlib.suppress(ValueError):
            _, size, root = verify(latest.note, signer.verifier_key)
            known.append(Signed(size, root, latest.note))
    return max(known, key=lambda signed: signed.size, default=None)


async def sign_checkpoint(sessions: Sessions, signer: Signer, last_signed: LastSigned) -> Signed | None:
    """Sign the current tree if it grew, after proving it extends every checkpoint signed before (C2SP
    tlog-checkpoint: a log must never sign two inconsistent trees). Replicas signing the same size agree."""
    before = await _signed_before(sessions, signer, last_signed)
    size, root = await current_root(sessions)
    if before is not None:
        if size < before.size:
            raise ForkRefused(f"the tree has {size} leaves, fewer than the {before.size} signed before")
        if size == before.size:
            if root != before.root:
                raise ForkRefused(f"the tree of {size} leaves has another root than the one signed before")
            return before
        if before.size:
            # The proof an outsider is served (GET /ledger/proof/consistency), checked as they check it.
            _, proof = await consistency(sessions, before.size, size)
            if not merkle.verify_consistency(before.size, size, before.root, root, proof):
                raise ForkRefused(f"the tree of {size} leaves does not extend the one of {before.size} signed before")
    signed = Signed(size, root, signer.sign(checkpoint_body(signer.name, size, root)))
    # Remembered before it is published: once anyone can see it, the signer must never contradict it.
    last_signed.write(signed)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(LedgerCheckpoint)
            .values(size=size, root=root, note=signed.note, created_at=datetime.now(UTC))
            .on_conflict_do_nothing()
        )
    return signed
