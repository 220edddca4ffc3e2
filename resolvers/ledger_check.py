"""The server's own check that what it stores and shows is what its ledger's leaves say (`openproc ledger-check`).

Comparisons, each one SQL statement over the leaves read as JSON:
- every event row against its leaf (type, case, step, actor, both instants, payload): a row altered after it
  was appended no longer matches the bytes the tree hashes;
- every case page's fields against the last word of the leaves, by the rules docs/ledger.md states ("What a case
  page must show"), which `verifier/openproc_verify.py pages` applies from outside: a column altered in the
  database (a step's comment, a case's result) no longer says what was signed; and each document and next action
  against the leaves that registered, moved, completed or cancelled it.
Whether the leaves themselves are the signed ones is the signer's check (it never signs a fork) and a monitor's
(consistency with the checkpoints it saved). The check reads everything: about 10 s at seoul scale (405,274
events, 27,000 cases).
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models import EventType

CLOSING = (EventType.CASE_CLOSED, EventType.CASE_REJECTED, EventType.CASE_WITHDRAWN)

# The leaves as JSON, and the last word of them on each case and step, each kept once per check in a temporary
# table the planner has statistics for: joined as CTEs, the case and step tables met them by nested loops (more
# than ten minutes at seoul scale instead of seconds).
_FACTS = (
    """CREATE TEMPORARY TABLE signed ON COMMIT DROP AS
    SELECT leaf_index + 1 AS seq, convert_from(leaf, 'UTF8')::jsonb AS j FROM ledger_leaf""",
    """CREATE TEMPORARY TABLE case_status ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'case')::int) (j->>'case')::int AS id, j->'payload'->'case'->>'status' AS status
    FROM signed WHERE jsonb_typeof(j->'case') = 'number' AND j->'payload' ? 'case'
    ORDER BY (j->>'case')::int, seq DESC""",
    """CREATE TEMPORARY TABLE case_closing ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'case')::int) (j->>'case')::int AS id, j->'payload'->>'result' AS result,
           (j->>'occurredAt')::timestamptz AS at
    FROM signed WHERE j->>'type' = ANY(:closing)
    ORDER BY (j->>'case')::int, seq DESC""",
    """CREATE TEMPORARY TABLE step_status ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'step')::int) (j->>'step')::int AS id, j->'payload'->'step'->>'status' AS status
    FROM signed WHERE jsonb_typeof(j->'step') = 'number' AND j->'payload' ? 'step'
    ORDER BY (j->>'step')::int, seq DESC""",
    """CREATE TEMPORARY TABLE step_words ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'step')::int) (j->>'step')::int AS id,
           CASE j->>'type' WHEN 'step_signed' THEN j->'payload'->>'comment' ELSE j->'payload'->>'reason' END AS text
    FROM signed WHERE j->>'type' IN ('step_signed', 'step_returned')
    ORDER BY (j->>'step')::int, seq DESC""",
    """CREATE TEMPORARY TABLE step_signing ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'step')::int) (j->>'step')::int AS id, (j->>'occurredAt')::timestamptz AS at,
           (j->>'actor')::int AS actor
    FROM signed WHERE j->>'type' = 'step_signed'
    ORDER BY (j->>'step')::int, seq DESC""",
    """CREATE TEMPORARY TABLE document_facts ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->'payload'->'document'->>'id')::int) (j->'payload'->'document'->>'id')::int AS id,
           j->'payload'->'document'->>'kind' AS kind, (j->'payload'->'document'->>'public')::boolean AS public,
           j->'payload'->'document'->>'title' AS title, (j->>'occurredAt')::timestamptz AS at,
           (j->>'actor')::int AS actor
    FROM signed WHERE j->>'type' = 'document_registered'
    ORDER BY (j->'payload'->'document'->>'id')::int, seq DESC""",
    """CREATE TEMPORARY TABLE action_facts ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->'payload'->'action'->>'id')::int) (j->'payload'->'action'->>'id')::int AS id,
           j->'payload'->'action'->>'description' AS description,
           (j->'payload'->'action'->>'scheduledFor')::timestamptz AS scheduled_for,
           CASE j->>'type' WHEN 'action_completed' THEN 'done' WHEN 'action_cancelled' THEN 'cancelled'
                ELSE 'scheduled' END AS status,
           (j->>'occurredAt')::timestamptz AS at
    FROM signed WHERE j->>'type' IN ('action_scheduled', 'action_rescheduled', 'action_completed', 'action_cancelled')
    ORDER BY (j->'payload'->'action'->>'id')::int, seq DESC""",
    "ANALYZE signed, case_status, case_closing, step_status, step_words, step_signing, document_facts, action_facts",
)

_EVENTS = """
SELECT coalesce(e.seq, s.seq) AS seq
FROM event e FULL JOIN signed s ON s.seq = e.seq
WHERE e.seq IS NULL OR s.seq IS NULL
   OR s.j->>'type' <> e.type
   OR s.j->'case' <> coalesce(to_jsonb(e.case_id), 'null')
   OR s.j->'step' <> coalesce(to_jsonb(e.step_id), 'null')
   OR s.j->'actor' <> coalesce(to_jsonb(e.actor_officer_id), 'null')
   OR (s.j->>'occurredAt')::timestamptz <> e.occurred_at
   OR (s.j->>'recordedAt')::timestamptz <> e.recorded_at
   OR s.j->'payload' <> e.payload
ORDER BY 1 LIMIT :limit
"""

_CASES = """
SELECT c.receipt_no,
       CASE WHEN last.status IS NULL THEN 'is served but no signed event concerns it'
            WHEN last.status <> c.status THEN format('shows status %s, the ledger signed %s', c.status, last.status)
            ELSE 'shows a result or closing time the ledger did not sign' END AS problem
FROM "case" c LEFT JOIN case_status last ON last.id = c.id LEFT JOIN case_closing closing ON closing.id = c.id
WHERE last.status IS DISTINCT FROM c.status
   OR (closing.id IS NOT NULL AND (c.result IS DISTINCT FROM closing.result OR c.closed_at IS DISTINCT FROM closing.at))
ORDER BY c.receipt_no LIMIT :limit
"""

_STEPS = """
SELECT c.receipt_no, s.sequence,
       CASE WHEN s.status IN ('signed', 'returned') AND status.status IS DISTINCT FROM s.status
                THEN format('shows status %s, the ledger signed %s', s.status, status.status)
            WHEN s.comment IS DISTINCT FROM words.text THEN 'shows a comment the ledger did not sign'
            ELSE 'shows a signing time or signer the ledger did not sign' END AS problem
FROM step s JOIN "case" c ON c.id = s.case_id
LEFT JOIN step_status status ON status.id = s.id
LEFT JOIN step_words words ON words.id = s.id
LEFT JOIN step_signing signing ON signing.id = s.id
WHERE (s.status IN ('signed', 'returned') AND status.status IS DISTINCT FROM s.status)
   OR s.comment IS DISTINCT FROM words.text
   OR s.signed_at IS DISTINCT FROM signing.at
   OR s.signed_by_id IS DISTINCT FROM signing.actor
ORDER BY c.receipt_no, s.sequence LIMIT :limit
"""


# A document is registered once: its leaf states its kind, whether it is public, a public one's title, when and by
# whom. Private titles may name the applicant and are in no leaf.
_DOCUMENTS = """
SELECT c.receipt_no, d.id
FROM document d JOIN "case" c ON c.id = d.case_id LEFT JOIN document_facts f ON f.id = d.id
WHERE f.id IS NULL OR f.kind <> d.kind OR f.public <> d.is_public
   OR (d.is_public AND f.title IS DISTINCT FROM d.title)
   OR f.at <> d.registered_at OR f.actor IS DISTINCT FROM d.registered_by_id
ORDER BY c.receipt_no, d.id LIMIT :limit
"""

# A next action as its last leaf left it: what and when, scheduled, done (and when) or cancelled.
_ACTIONS = """
SELECT c.receipt_no, a.id
FROM scheduled_action a JOIN "case" c ON c.id = a.case_id LEFT JOIN action_facts f ON f.id = a.id
WHERE f.id IS NULL OR f.description <> a.description OR f.scheduled_for <> a.scheduled_for
   OR f.status <> a.status OR (a.status = 'done' AND a.completed_at IS DISTINCT FROM f.at)
ORDER BY c.receipt_no, a.id LIMIT :limit
"""


@dataclass(frozen=True)
class Checked:
    """What one check read, and the differences it found (at most `limit` of each kind)."""

    leaves: int
    cases: int
    differences: list[str]


async def check(session: AsyncSession, limit: int) -> Checked:
    """Compare the events and the case pages with the leaves, inside one transaction (one snapshot)."""
    # Reading every leaf takes longer than the statement timeout a request gets.
    await session.execute(text("SET LOCAL statement_timeout = 0"))
    closing = [kind.value for kind in CLOSING]
    for statement in _FACTS:
        await session.execute(text(statement), {"closing": closing} if ":closing" in statement else {})
    differences = [
        f"event {seq} differs from its leaf" for (seq,) in await session.execute(text(_EVENTS), {"limit": limit})
    ]
    differences += [
        f"case {receipt_no} {problem}" for receipt_no, problem in await session.execute(text(_CASES), {"limit": limit})
    ]
    differences += [
        f"case {receipt_no}, step {sequence} {problem}"
        for receipt_no, sequence, problem in await session.execute(text(_STEPS), {"limit": limit})
    ]
    differences += [
        f"case {receipt_no}, document {document_id} is not what the ledger signed"
        for receipt_no, document_id in await session.execute(text(_DOCUMENTS), {"limit": limit})
    ]
    differences += [
        f"case {receipt_no}, next action {action_id} is not what the ledger signed"
        for receipt_no, action_id in await session.execute(text(_ACTIONS), {"limit": limit})
    ]
    leaves = await session.scalar(text("SELECT count(*) FROM signed")) or 0
    cases = await session.scalar(text('SELECT count(*) FROM "case"')) or 0
    return Checked(leaves, cases, differences)
