"""Webhooks: public events pushed to an organisation's HTTPS endpoint, signed, retried, resumable by sequence.

Each delivery's body is the event's ledger leaf (canonical JSON, public data only), so a receiver can also prove
it with the ledger. Headers: `X-OPEN-Sequence`, `X-OPEN-Timestamp` and `X-OPEN-Signature: v1=<hex>`, the
HMAC-SHA256 of `<timestamp>.<body>` under the secret shown at registration (or at the last rotation).

A delivery round keeps each webhook's row locked while its events go out; pausing, deleting and rotating take the
same lock, so once one of them commits no delivery made under the old state can follow.
"""

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Event, EventType, Officer, OfficerRole, Webhook
from resolvers import ledger, progress
from resolvers.dataloaders import Sessions
from resolvers.errors import WorkflowCode, WorkflowError
from resolvers.progress import Watch
from resolvers.webhook_targets import TargetRefused, Targets
from resolvers.workflow.access import require_role

logger = logging.getLogger("openproc.webhooks")

BATCH = 200
MAX_BACKOFF_S = 300.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


async def register(
    session: AsyncSession,
    actor: Officer,
    url: str,
    watch_filter: dict[str, Any],
    after: int | None,
    targets: Targets,
) -> tuple[Webhook, str]:
    require_role(actor, OfficerRole.ADMINISTRATOR)
    parsed = urlparse(url)
    plain_http_ok = parsed.scheme == "http" and parsed.hostname in LOOPBACK
    if len(url) > 500 or not parsed.hostname or (parsed.scheme != "https" and not plain_http_ok):
        raise WorkflowError(WorkflowCode.INVALID_VALUE, "must be an https:// URL (http:// only on loopback)", "url")
    try:
        await targets.pin(url)
    except TargetRefused as refused:
        raise WorkflowError(WorkflowCode.INVALID_VALUE, str(refused), "url") from None
    start = (
        after if after is not None else int(await session.scalar(select(func.coalesce(func.max(Event.seq), 0))) or 0)
    )
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    hook = Webhook(
        url=url,
        secret=secret,
        filter=watch_filter,
        delivered_through=start,
        failures=0,
        next_attempt_at=now,
        active=True,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(hook)
    await session.flush()
    return hook, secret


async def listed(session: AsyncSession) -> Sequence[Webhook]:
    """Every webhook not deleted, oldest first. Callers decide who may see them (administrators, the CLI)."""
    return (await session.scalars(select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id))).all()


async def _locked(session: AsyncSession, webhook_id: int) -> Webhook:
    """The webhook, locked: a delivery round sending to it finishes first."""
    hook = await session.scalar(
        select(Webhook).where(Webhook.id == webhook_id, Webhook.deleted_at.is_(None)).with_for_update()
    )
    if hook is None:
        raise WorkflowError(WorkflowCode.NOT_FOUND, f"no webhook {webhook_id}", "webhookId")
    return hook


async def pause(session: AsyncSession, webhook_id: int) -> Webhook:
    """Send nothing more until resumed; `delivered_through` keeps the place. Pausing a paused one changes nothing."""
    hook = await _locked(session, webhook_id)
    hook.active = False
    return hook


async def resume(session: AsyncSession, webhook_id: int) -> Webhook:
    """Deliver again after `delivered_through`, at once: any backoff is cleared."""
    hook = await _locked(session, webhook_id)
    hook.active, hook.failures, hook.next_attempt_at = True, 0, datetime.now(UTC)
    return hook


async def delete(session: AsyncSession, webhook_id: int) -> Webhook:
    """Send nothing more, ever. The row stays, since idempotency records may point at it."""
    hook = await _locked(session, webhook_id)
    hook.deleted_at = datetime.now(UTC)
    return hook


async def rotate_secret(session: AsyncSession, webhook_id: int) -> tuple[Webhook, str]:
    """A new secret signs every delivery from the commit on; the old one signs nothing more."""
    hook = await _locked(session, webhook_id)
    hook.secret = secrets.token_urlsafe(32)
    return hook, hook.secret


def watch_of(hook: Webhook) -> Watch:
    """What the webhook asked for, read from its stored filter."""
    stored = hook.filter
    return Watch(
        task_type_code=stored.get("taskTypeCode"),
        department_id=stored.get("departmentId"),
        event_types=frozenset(EventType(kind) for kind in stored.get("types") or ()),
    )


async def deliver_due(sessions: Sessions, client: httpx.AsyncClient, backoff_s: float, targets: Targets) -> int:
    """One round: every due webhook gets its next events, in order, until one fails. Returns deliveries made.

    The webhook row stays locked (SKIP LOCKED) while its events go out, so replicas never send one twice."""
    delivered = 0
    async with sessions() as session, session.begin():
        hooks = (
            await session.scalars(
                select(Webhook)
                .where(
                    Webhook.active.is_(True),
                    Webhook.deleted_at.is_(None),
                    Webhook.next_attempt_at <= datetime.now(UTC),
                )
                .order_by(Webhook.id)
                .limit(20)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for hook in hooks:
            delivered += await _deliver(sessions, client, hook, backoff_s, targets)
    return delivered


async def _deliver(
    sessions: Sessions, client: httpx.AsyncClient, hook: Webhook, backoff_s: float, targets: Targets
) -> int:
    watch = watch_of(hook)
    paths = await progress.department_paths(sessions, [watch.department_id]) if watch.department_id else {}
    batch = await progress.read(sessions, after=hook.delivered_through, limit=BATCH)
    sent = 0
    for snapshot in batch:
        if watch.matches(snapshot, paths):
            body = ledger.leaf_bytes(snapshot.event)
            timestamp = str(int(time.time()))
            headers = {
                "content-type": "application/json",
                "x-open-sequence": str(snapshot.event.seq),
                "x-open-timestamp": timestamp,
                "x-open-signature": "v1=" + signature(hook.secret, timestamp, body),
            }
            try:
                # Resolved and checked again now, and sent to that very address (see resolvers/webhook_targets.py).
                pinned = await targets.pin(hook.url)
                headers["host"] = pinned.host_header
                extensions = {"sni_hostname": pinned.sni_hostname} if pinned.sni_hostname else {}
                response = await client.post(
                    pinned.url, content=body, headers=headers, timeout=5, extensions=extensions
                )
                ok = 200 <= response.status_code < 300
            except TargetRefused as refused:
                logger.warning("webhook %s: not delivered: %s", hook.id, refused)
                ok = False
            except httpx.HTTPError:
                ok = False
            if not ok:
                hook.failures += 1
                wait = min(backoff_s * 2 ** (hook.failures - 1), MAX_BACKOFF_S)
                hook.next_attempt_at = datetime.now(UTC) + timedelta(seconds=wait)
                logger.warning(
                    "webhook %s: delivery of %s failed; retrying in %.1f s", hook.id, snapshot.event.seq, wait
                )
                return sent
            sent += 1
        hook.delivered_through, hook.failures = snapshot.event.seq, 0
    return sent
