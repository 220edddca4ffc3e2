"""The ledger over GraphQL: checkpoints, inclusion and consistency proofs, raw leaves (base64 throughout)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import ledger
from schema.cost import ListSize
from schema.info import Info
from schema.time import local


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@strawberry.type(description="A signed checkpoint (C2SP tlog-checkpoint): the tree's size and root, signed.")
class Checkpoint:
    size: int = strawberry.field(description="Number of leaves (events) the checkpoint covers.")
    root_hash: str = strawberry.field(description="The RFC 6962 Merkle tree hash of those leaves, base64.")
    note: str = strawberry.field(
        description="The signed note itself, to verify with the published key; witnesses' cosignatures (C2SP "
        "tlog-cosignature), once they have cosigned it, are further signature lines."
    )
    signed_at: datetime = strawberry.field(description="When it was signed (Asia/Seoul).")


@strawberry.type(description="An RFC 6962 audit path: proves a leaf is in the tree of the given size.")
class InclusionProof:
    leaf_index: int = strawberry.field(description="The leaf (event sequence − 1).")
    tree_size: int = strawberry.field(description="The tree the path leads to the root of.")
    audit_path: list[str] = strawberry.field(description="Sibling hashes from the leaf up, base64.")


@strawberry.type(description="An RFC 6962 consistency proof: the smaller tree is a prefix of the larger one.")
class ConsistencyProof:
    first: int = strawberry.field(description="The earlier tree size.")
    second: int = strawberry.field(description="The later tree size.")
    proof: list[str] = strawberry.field(description="The proof's hashes, base64.")


@strawberry.type(description="One leaf of the ledger: an event's canonical JSON (RFC 8785) exactly as hashed.")
class LedgerLeaf:
    leaf_index: int = strawberry.field(description="Its index in the tree (event sequence − 1).")
    leaf: str = strawberry.field(description="The leaf bytes, base64.")


@strawberry.type(description="The tamper-evident ledger of every disclosed event.")
class Ledger:
    @strawberry.field(description="The published Ed25519 verifier key (signed-note format).")
    def public_key(self, info: Info) -> str:
        return info.context.ledger_key

    @strawberry.field(
        description="The latest signed checkpoint (an empty tree's too); null only before the server's first signing."
    )
    async def checkpoint(self, info: Info) -> Checkpoint | None:
        row = await ledger.latest_checkpoint(info.context.sessions)
        if row is None:
            return None
        return Checkpoint(size=row.size, root_hash=_b64(row.root), note=row.note, signed_at=local(row.created_at))

    @strawberry.field(
        description="Proof that a leaf is in the tree of `treeSize` leaves (default: the latest checkpoint's size)."
    )
    async def inclusion_proof(
        self,
        info: Info,
        leaf_index: Annotated[int, strawberry.argument(description="The leaf (event sequence − 1).")],
        tree_size: Annotated[
            int | None, strawberry.argument(description="The tree size (e.g. a checkpoint's).")
        ] = None,
    ) -> InclusionProof:
        size, path = await ledger.inclusion(info.context.sessions, leaf_index, tree_size)
        return InclusionProof(leaf_index=leaf_index, tree_size=size, audit_path=[_b64(node) for node in path])

    @strawberry.field(description="Proof that the tree of `first` leaves is a prefix of the tree of `second`.")
    async def consistency_proof(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="The earlier size (≥ 1).")],
        second: Annotated[
            int | None, strawberry.argument(description="The later size (default: the latest checkpoint's).")
        ] = None,
    ) -> ConsistencyProof:
        size, proof = await ledger.consistency(info.context.sessions, first, second)
        return ConsistencyProof(first=first, second=size, proof=[_b64(node) for node in proof])

    @strawberry.field(
        description="Raw leaves by index range [start, end), at most 1,000 at a time.",
        directives=[ListSize(assumed_size=1_000)],
    )
    async def leaves(
        self,
        info: Info,
        start: Annotated[int, strawberry.argument(description="First leaf index.")],
        end: Annotated[int, strawberry.argument(description="One past the last leaf index.")],
    ) -> list[LedgerLeaf]:
        rows = await ledger.leaves(info.context.sessions, start, end)
        return [LedgerLeaf(leaf_index=row.leaf_index, leaf=_b64(row.leaf)) for row in rows]
