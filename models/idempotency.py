from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class IdempotencyRecord(Base):
    """The first result of a mutation sent with an idempotency key, so a retry returns it and changes nothing."""

    __tablename__ = "idempotency_record"

    # Who sent it ("officer:42", "applicant:10.0.0.1"): keys are only unique per caller.
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the operation's input: the same key with another input is an error, not a replay.
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime]
