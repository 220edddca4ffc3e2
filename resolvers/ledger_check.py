"""The server's own check that what it stores and shows is what its ledger's leaves say (`openproc ledger-check`).

Comparisons, each one SQL statement over the leaves read as JSON, all in one snapshot:
- every event row against its leaf (type, case, step, actor, both instants, payload): a row altered after it
  was appended no longer matches the bytes the tree hashes;
- every case, step, document and next action against the last word of the leaves, by the rules docs/ledger.md
  states ("What a case page must show"), which `verifier/openproc_verify.py pages` applies from outside and
  words alike: a column altered in the database (a step's comment or due time, a case's title or result, a
  document's visibility) no longer says what was signed.
Whether the leaves themselves are the signed ones is the signer's check (it never signs a fork) and a monitor's
(consistency with the checkpoints it saved). The check reads everything; docs/operations.md gives its time at
seoul scale.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models import EventType

REGISTERING = (EventType.CASE_REGISTERED, EventType.APPLICATION_SUBMITTED)
CLOSING = (EventType.CASE_CLOSED, EventType.CASE_REJECTED, EventType.CASE_WITHDRAWN)

# The leaves as JSON, and the last word of them on each case, step, document and next action, each kept once per
# check in a temporary table the planner has statistics for: joined as CTEs, the case and step tables met them by
# nested loops (more than ten minutes at seoul scale instead of seconds).
_FACTS = (
    """CREATE TEMPORARY TABLE signed ON COMMIT DROP AS
    SELECT leaf_index + 1 AS seq, convert_from(leaf, 'UTF8')::jsonb AS j FROM ledger_leaf""",
    """CREATE TEMPORARY TABLE case_said ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'case')::int) (j->>'case')::int AS id, j->'payload'->'case'->>'status' AS status,
           (j->'payload'->'case'->>'dueAt')::timestamptz AS due_at
    FROM signed WHERE jsonb_typeof(j->'case') = 'number' AND j->'payload' ? 'case'
    ORDER BY (j->>'case')::int, seq DESC""",
    # Title, location and line are in registrations from leaf format 2 on.
    """CREATE TEMPORARY TABLE case_registered ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'case')::int) (j->>'case')::int AS id, (j->>'occurredAt')::timestamptz AS at,
           j->'payload'->>'taskType' AS task_type, (j->'payload'->>'departmentId')::int AS department_id,
           j->'payload'->>'title' AS title, j->'payload'->>'location' AS location, j->'payload' ? 'line' AS has_line
    FROM signed WHERE j->>'type' = ANY(:registering)
    ORDER BY (j->>'case')::int, seq DESC""",
    """CREATE TEMPORARY TABLE case_closing ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'case')::int) (j->>'case')::int AS id, seq, j->'payload'->>'result' AS result,
           (j->>'occurredAt')::timestamptz AS at
    FROM signed WHERE j->>'type' = ANY(:closing)
    ORDER BY (j->>'case')::int, seq DESC""",
    # Everything a leaf says about a step, by case and sequence: the registered line (rank 0), the step the leaf
    # concerns (rank 1) and the due times a resumption moved (rank 2); within one leaf the higher rank is later.
    """CREATE TEMPORARY TABLE step_said ON COMMIT DROP AS
    SELECT (s.j->>'case')::int AS case_id, (p->>'sequence')::int AS sequence, s.seq, 0 AS rank, NULL::int AS id,
           'pending' AS status, (p->>'officerId')::int AS officer_id, p->>'name' AS name, p->>'role' AS role,
           (p->>'dueAt')::timestamptz AS due_at
    FROM signed s, jsonb_array_elements(s.j->'payload'->'line') p WHERE s.j->>'type' = ANY(:registering)
    UNION ALL
    SELECT (j->>'case')::int, (j->'payload'->'step'->>'sequence')::int, seq, 1, (j->>'step')::int,
           j->'payload'->'step'->>'status', (j->'payload'->'step'->>'officerId')::int, j->'payload'->'step'->>'name',
           NULL, (j->'payload'->'step'->>'dueAt')::timestamptz
    FROM signed WHERE jsonb_typeof(j->'case') = 'number' AND j->'payload' ? 'step'
    UNION ALL
    SELECT (s.j->>'case')::int, (p->>'sequence')::int, s.seq, 2, NULL, NULL, NULL, NULL, NULL,
           (p->>'dueAt')::timestamptz
    FROM signed s, jsonb_array_elements(s.j->'payload'->'laterSteps') p WHERE s.j->>'type' = 'case_resumed'""",
    """CREATE TEMPORARY TABLE step_facts ON COMMIT DROP AS
    SELECT last.case_id, last.sequence, last.seq, last.status, last.officer_id, last.name, plan.role, known.id,
           due.due_at
    FROM (SELECT DISTINCT ON (case_id, sequence) * FROM step_said WHERE rank < 2
          ORDER BY case_id, sequence, seq DESC, rank DESC) last
    JOIN (SELECT DISTINCT ON (case_id, sequence) case_id, sequence, due_at FROM step_said
          ORDER BY case_id, sequence, seq DESC, rank DESC) due USING (case_id, sequence)
    LEFT JOIN (SELECT DISTINCT ON (case_id, sequence) case_id, sequence, id FROM step_said WHERE rank = 1
               ORDER BY case_id, sequence) known USING (case_id, sequence)
    LEFT JOIN (SELECT case_id, sequence, role FROM step_said WHERE rank = 0) plan USING (case_id, sequence)""",
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
    """CREATE TEMPORARY TABLE step_start ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->>'step')::int) (j->>'step')::int AS id, (j->>'occurredAt')::timestamptz AS at
    FROM signed
    WHERE jsonb_typeof(j->'step') = 'number' AND (j->>'type' = ANY(:registering) OR j->>'type' = 'step_started')
    ORDER BY (j->>'step')::int, seq DESC""",
    """CREATE TEMPORARY TABLE document_facts ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->'payload'->'document'->>'id')::int) (j->'payload'->'document'->>'id')::int AS id,
           (j->>'case')::int AS case_id, j->'payload'->'document'->>'kind' AS kind,
           (j->'payload'->'document'->>'public')::boolean AS public, j->'payload'->'document'->>'title' AS title,
           (j->>'occurredAt')::timestamptz AS at, (j->>'actor')::int AS actor
    FROM signed WHERE j->>'type' = 'document_registered'
    ORDER BY (j->'payload'->'document'->>'id')::int, seq DESC""",
    """CREATE TEMPORARY TABLE action_facts ON COMMIT DROP AS
    SELECT DISTINCT ON ((j->'payload'->'action'->>'id')::int) (j->'payload'->'action'->>'id')::int AS id,
           (j->>'case')::int AS case_id, j->'payload'->'action'->>'description' AS description,
           (j->'payload'->'action'->>'scheduledFor')::timestamptz AS scheduled_for,
           CASE j->>'type' WHEN 'action_completed' THEN 'done' WHEN 'action_cancelled' THEN 'cancelled'
                ELSE 'scheduled' END AS status,
           (j->>'occurredAt')::timestamptz AS at
    FROM signed WHERE j->>'type' IN ('action_scheduled', 'action_rescheduled', 'action_completed', 'action_cancelled')
    ORDER BY (j->'payload'->'action'->>'id')::int, seq DESC""",
    "ANALYZE signed, case_said, case_registered, case_closing, step_facts, step_words, step_signing, step_start,"
    " document_facts, action_facts",
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

# Each case's first difference, in the order the verifier looks for them.
_CASES = """
SELECT c.receipt_no, problem
FROM "case" c JOIN task_type t ON t.id = c.task_type_id
LEFT JOIN case_said last ON last.id = c.id
LEFT JOIN case_registered reg ON reg.id = c.id
LEFT JOIN case_closing closing ON closing.id = c.id
LEFT JOIN (SELECT case_id, array_agg(sequence::int ORDER BY sequence) AS sequences FROM step GROUP BY case_id) served
       ON served.case_id = c.id
LEFT JOIN (SELECT case_id, array_agg(sequence ORDER BY sequence) AS sequences FROM step_facts GROUP BY case_id) planned
       ON planned.case_id = c.id,
LATERAL (SELECT CASE
    WHEN reg.id IS NULL OR last.id IS NULL THEN 'is served but no signed event concerns it'
    WHEN last.status <> c.status THEN format('shows status %s, the ledger signed %s', c.status, last.status)
    WHEN closing.id IS NOT NULL
         AND (c.result IS DISTINCT FROM closing.result OR c.closed_at IS DISTINCT FROM closing.at)
        THEN 'shows a result or closing time the ledger did not sign'
    WHEN c.received_at <> reg.at OR t.code <> reg.task_type OR c.department_id <> reg.department_id
        THEN 'shows a receipt time, task type or department the ledger did not sign'
    WHEN reg.title IS NOT NULL AND (c.title <> reg.title OR c.location IS DISTINCT FROM reg.location)
        THEN 'shows a title or location the ledger did not sign'
    WHEN c.due_at <> last.due_at THEN 'shows a due time the ledger did not sign'
    WHEN reg.has_line AND served.sequences IS DISTINCT FROM planned.sequences
        THEN 'shows an approval line the ledger did not sign'
    END AS problem) found
WHERE problem IS NOT NULL
ORDER BY c.receipt_no LIMIT :limit
"""

# A step's status as the last word left it, except that a closing leaf skips every step it finds unsigned.
_STEPS = """
SELECT c.receipt_no, s.sequence, problem
FROM step s JOIN "case" c ON c.id = s.case_id
LEFT JOIN step_facts f ON f.case_id = s.case_id AND f.sequence = s.sequence
LEFT JOIN case_closing closing ON closing.id = s.case_id
LEFT JOIN step_words words ON words.id = s.id
LEFT JOIN step_signing signing ON signing.id = s.id
LEFT JOIN step_start start ON start.id = s.id,
LATERAL (SELECT CASE WHEN closing.seq > f.seq AND f.status NOT IN ('signed', 'skipped') THEN 'skipped'
                     ELSE f.status END AS status) shown,
LATERAL (SELECT CASE
    WHEN f.id IS NOT NULL AND f.id <> s.id THEN 'is not the step the ledger signed'
    WHEN (shown.status IS NOT NULL OR s.status IN ('signed', 'returned')) AND shown.status IS DISTINCT FROM s.status
        THEN format('shows status %s, the ledger signed %s', s.status, shown.status)
    WHEN s.comment IS DISTINCT FROM words.text THEN 'shows a comment the ledger did not sign'
    WHEN s.signed_at IS DISTINCT FROM signing.at OR s.signed_by_id IS DISTINCT FROM signing.actor
        THEN 'shows a signing time or signer the ledger did not sign'
    WHEN s.started_at IS DISTINCT FROM start.at THEN 'shows a start time the ledger did not sign'
    WHEN f.name IS NOT NULL AND (s.name <> f.name OR s.officer_id <> f.officer_id
                                 OR (f.role IS NOT NULL AND s.role <> f.role))
        THEN 'shows a name, role or officer the ledger did not sign'
    WHEN f.case_id IS NOT NULL AND s.due_at IS DISTINCT FROM f.due_at THEN 'shows a due time the ledger did not sign'
    END AS problem) found
WHERE problem IS NOT NULL
ORDER BY c.receipt_no, s.sequence LIMIT :limit
"""

# A document is registered once: its leaf states its case, kind, whether it is public, a public one's title, when
# and by whom. Private titles may name the applicant and are in no leaf.
_DOCUMENTS = """
SELECT c.receipt_no, coalesce(d.id, f.id)
FROM document d FULL JOIN document_facts f ON f.id = d.id
JOIN "case" c ON c.id = coalesce(d.case_id, f.case_id)
WHERE f.id IS NULL OR d.id IS NULL OR f.case_id <> d.case_id OR f.kind <> d.kind OR f.public <> d.is_public
   OR (d.is_public AND f.title IS DISTINCT FROM d.title)
   OR f.at <> d.registered_at OR f.actor IS DISTINCT FROM d.registered_by_id
ORDER BY c.receipt_no, 2 LIMIT :limit
"""

# A next action as its last leaf left it: its case, what and when, scheduled, done (and when) or cancelled.
_ACTIONS = """
SELECT c.receipt_no, coalesce(a.id, f.id)
FROM scheduled_action a FULL JOIN action_facts f ON f.id = a.id
JOIN "case" c ON c.id = coalesce(a.case_id, f.case_id)
WHERE f.id IS NULL OR a.id IS NULL OR f.case_id <> a.case_id OR f.description <> a.description
   OR f.scheduled_for <> a.scheduled_for OR f.status <> a.status
   OR a.completed_at IS DISTINCT FROM CASE WHEN f.status = 'done' THEN f.at END
ORDER BY c.receipt_no, 2 LIMIT :limit
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
    kinds = {"registering": [kind.value for kind in REGISTERING], "closing": [kind.value for kind in CLOSING]}
    for statement in _FACTS:
        await session.execute(text(statement), {name: kinds[name] for name in kinds if f":{name}" in statement})
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
