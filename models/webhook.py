from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WebhookStatus(StrEnum):
    """Whether a webhook receives deliveries; read from `active` and `deleted_at`, not stored."""

    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"


class Webhook(Base):
    """An organisation's endpoint that receives public events it cannot hold a WebSocket for."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # Signs every delivery (HMAC-SHA256); shown once at registration, kept to sign.
    secret: Mapped[str] = mapped_column(String(100))
    # What to send: task type code, department id (with the units below), event types.
    filter: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Deliveries resume after this sequence number.
    delivered_through: Mapped[int] = mapped_column(BigInteger)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    # False while an administrator has paused it: nothing is sent, and `delivered_through` waits for the resume.
    active: Mapped[bool] = mapped_column(default=True)
    # Set when an administrator deletes it: it gets nothing more. The row stays for idempotent replays.
    deleted_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime]

    @property
    def status(self) -> WebhookStatus:
        if self.deleted_at is not None:
            return WebhookStatus.DELETED
        return WebhookStatus.ACTIVE if self.active else WebhookStatus.PAUSED
