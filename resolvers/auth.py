"""Officers' bearer tokens: random, shown once, stored only as a SHA-256, expiring and revocable.

The tokens carry 256 random bits, so a fast hash is enough to make a stolen table useless; slow hashes are
for guessable secrets (the applicants' access codes, see `resolvers/access_code.py`).
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Officer, OfficerToken
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput

PREFIX = "opn_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, if there is one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def officer_for_token(sessions: Sessions, token: str) -> Officer | None:
    """The active officer a live token belongs to; None for unknown, expired or revoked tokens."""
    now = datetime.now(UTC)
    statement = (
        select(Officer)
        .join(OfficerToken, OfficerToken.officer_id == Officer.id)
        .where(
            OfficerToken.token_hash == token_hash(token),
            OfficerToken.revoked_at.is_(None),
            OfficerToken.expires_at > now,
            Officer.active.is_(True),
        )
    )
    async with sessions() as session:
        return await session.scalar(statement)


async def create_token(session: AsyncSession, employee_no: str, days: int, label: str) -> tuple[str, OfficerToken]:
    if not 1 <= days <= 365:
        raise InvalidInput("days", "must be between 1 and 365")
    officer = await session.scalar(select(Officer).where(Officer.employee_no == employee_no))
    if officer is None or not officer.active:
        raise InvalidInput("officer", f"no active officer with employee number {employee_no}")
    token = PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    row = OfficerToken(
        officer_id=officer.id,
        token_hash=token_hash(token),
        label=label[:100],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    await session.flush()
    return token, row


async def revoke_token(session: AsyncSession, token_id: int) -> bool:
    result = await session.execute(
        update(OfficerToken)
        .where(OfficerToken.id == token_id, OfficerToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
