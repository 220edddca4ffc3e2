"""Witnesses' cosignatures (C2SP tlog-cosignature) kept with the checkpoints they cosign."""

from collections.abc import Callable

from models import LedgerCheckpoint
from resolvers.dataloaders import Sessions


async def add_cosignature(sessions: Sessions, size: int, line: str, same_witness: Callable[[str], bool]) -> bool:
    """Store a witness's verified cosignature line on the checkpoint of `size`, replacing that witness's earlier
    one (a refreshed timestamp); False if no checkpoint of that size is stored."""
    async with sessions() as session, session.begin():
        # Locked: witnesses answering at once each keep their line.
        row = await session.get(LedgerCheckpoint, size, with_for_update=True)
        if row is None:
            return False
        kept = [held for held in (row.cosignatures or "").splitlines(keepends=True) if not same_witness(held)]
        row.cosignatures = "".join([*kept, line])
    return True
