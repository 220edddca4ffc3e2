from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class LedgerLeaf(Base):
    """One event's public content as canonical JSON (RFC 8785), stored exactly as it was hashed."""

    __tablename__ = "ledger_leaf"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("event.seq"), unique=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerNode(Base):
    """The hash of a perfect subtree: (level L, index i) covers leaves [i·2^L, (i+1)·2^L). Level 0: leaf hashes."""

    __tablename__ = "ledger_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerCheckpoint(Base):
    """A signed note (C2SP checkpoint format) for one tree size, and the witnesses' cosignatures on it."""

    __tablename__ = "ledger_checkpoint"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    # Signature lines (C2SP tlog-cosignature), each verified with its witness's key before it is stored, one per
    # witness; appended to `note` they make the checkpoint served. Null until a witness cosigns.
    cosignatures: Mapped[str | None] = mapped_column(Text)
