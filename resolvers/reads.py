"""Where a read runs: the primary, or a hot standby that has come far enough (docs/scaling.md, Read replicas).

A database's position is how far it has come: the write-ahead log it has replayed (a `pg_lsn`) and the last event
it holds. A mutation's answer carries the primary's position after it ran (`extensions.commitPosition`, the
`pg_lsn` text, e.g. "0/1A2B3C8"); a client that sends it back (`extensions.readAfter`) is answered by a standby
that has replayed that far, or by the primary after a bounded wait. Subscription catch-ups ask for the last event
the hub announced, so a standby never answers one with less than the live stream will deliver.
"""

import re
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput

# PostgreSQL's text form of a pg_lsn: two hexadecimal halves of 64 bits.
LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")
# The request extension a client sends the commit position back in, and the answer's extension carrying it.
READ_AFTER, COMMIT_POSITION = "readAfter", "commitPosition"


@dataclass(frozen=True)
class Position:
    lsn: int = 0
    seq: int = 0

    def covers(self, other: "Position") -> bool:
        return self.lsn >= other.lsn and self.seq >= other.seq


def parse_lsn(value: object) -> int:
    found = LSN.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise InvalidInput(
            f"extensions.{READ_AFTER}",
            f'a commit position as an answer\'s extensions.{COMMIT_POSITION} gives it (for example "0/1A2B3C8")',
        )
    return (int(found[1], 16) << 32) + int(found[2], 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def requested(extensions: dict[str, Any] | None) -> Position:
    """The position a request asks to read after (none: any usable database); InvalidInput if malformed."""
    value = (extensions or {}).get(READ_AFTER)
    return Position() if value is None else Position(parse_lsn(value))


@dataclass(frozen=True)
class Target:
    """A database reads can be sent to: its name in metrics and /readyz, its pool and its sessions."""

    name: str
    engine: AsyncEngine
    sessions: Sessions


class Router(Protocol):
    """Chooses the database for each read (openproc/replicas.py)."""

    @property
    def primary(self) -> Target: ...

    async def reader(self, needed: Position) -> Target:
        """A standby that covers `needed`, else the primary (at once if no standby is usable, or after the
        bounded wait for one that is behind)."""

    async def commit_position(self) -> Position:
        """The primary's position now: at or after every commit that finished before the call."""
