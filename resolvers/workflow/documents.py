from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ledger import payloads
from models import Document, DocumentKind, Officer
from resolvers import events
from resolvers.workflow.access import require_case_handler, require_worker
from resolvers.workflow.checks import Policy, occurred_at, required_public_text
from resolvers.workflow.rows import lock_case

TITLE_LIMIT = 200


async def register(
    session: AsyncSession,
    actor: Officer,
    policy: Policy,
    case_id: int,
    title: str,
    kind: DocumentKind,
    is_public: bool,
    when: datetime | None,
) -> Document:
    """Register a document on a case. A private one's title may name the applicant: its event leaves it out."""
    require_worker(actor)
    case = await lock_case(session, case_id)
    await require_case_handler(session, actor, case)
    name = required_public_text(title, "title", TITLE_LIMIT)
    moment = occurred_at(when, policy, not_before=case.received_at)
    document = Document(
        case_id=case.id,
        title=name,
        kind=kind,
        is_public=is_public,
        registered_at=moment,
        registered_by_id=actor.id,
        view_count=0,
    )
    session.add(document)
    await session.flush()
    shown = payloads.DocumentShown(id=document.id, kind=kind, public=is_public, title=name if is_public else None)
    await events.append(
        session, payloads.DocumentRegistered(document=shown), case=case, actor=actor, occurred_at=moment
    )
    return document
