"""The delay check over the hand-made history: what it reports, once, and what the public sees of it."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from models import Case, Delay, DelayKind, Event, EventType, Step, StepDurationNorm, StepStatus
from openproc.app import create_app
from openproc.oversight import run_round
from openproc.settings import Settings
from resolvers.dataloaders import Sessions
from resolvers.oversight import delays
from tests.helpers import Officers, call, global_id, post
from tests.oversight.history import History, decided_a_year_late
from tests.pages import both_ways
from tests.subscriptions.asgi_client import Client

POLICY = Settings().policy()
# The history's only entry recorded more than a day after the fact (48 hours, Monday 09:00 to Wednesday 09:00:
# sixteen working hours, over the eight allowed).
A_DAY = timedelta(hours=24)


async def _reported(sessions: Sessions) -> dict[str, tuple[DelayKind, int]]:
    async with sessions() as session:
        rows = (await session.scalars(select(Delay))).all()
    return {row.subject: (row.kind, row.detected_seq) for row in rows}


async def test_the_check_reports_each_delay_once(oversight_sessions: Sessions, made: History) -> None:
    found = await delays.check(oversight_sessions, POLICY)

    # Late steps: c2's review (signed two weeks after its due time) and c4's review (still open, long overdue).
    # Late cases: c2 and c6 (decided after their deadline) and c4 (open past it); c5 was withdrawn, c7 is due in
    # 2099. Input: O1's one entry made 48 hours after the fact; the rest were entered within the hour.
    late_entry = next(iter(await _late_entries(oversight_sessions)))
    expected = {
        f"step:{made.steps['c2.s2']}": DelayKind.PROCESSING,
        f"step:{made.steps['c4.s2']}": DelayKind.PROCESSING,
        f"case:{made.cases['c2']}": DelayKind.PROCESSING,
        f"case:{made.cases['c4']}": DelayKind.PROCESSING,
        f"case:{made.cases['c6']}": DelayKind.PROCESSING,
        f"input:{late_entry}": DelayKind.INPUT,
    }
    reported = await _reported(oversight_sessions)
    assert {subject: kind for subject, (kind, _) in reported.items()} == expected
    assert (found.processing, found.input) == (5, 1)

    async with oversight_sessions() as session:
        announced = (await session.scalars(select(Event).where(Event.type == EventType.DELAY_DETECTED))).all()
    assert sorted(event.seq for event in announced) == sorted(seq for _, seq in reported.values())
    assert {event.payload["delay"]["kind"] for event in announced} == {"processing", "input"}

    again = await delays.check(oversight_sessions, POLICY)
    assert again.total == 0
    assert await _reported(oversight_sessions) == reported


async def _late_entries(sessions: Sessions) -> set[int]:
    async with sessions() as session:
        late = select(Event.seq).where(
            Event.actor_officer_id.is_not(None), Event.recorded_at - Event.occurred_at > A_DAY
        )
        return set((await session.scalars(late)).all())


async def test_concurrent_checks_report_a_new_delay_once(oversight_sessions: Sessions, made: History) -> None:
    await delays.check(oversight_sessions, POLICY)
    late = await decided_a_year_late(oversight_sessions, made, "c8")

    first, second = await asyncio.gather(
        delays.check(oversight_sessions, POLICY), delays.check(oversight_sessions, POLICY)
    )

    assert first.total + second.total == 1
    async with oversight_sessions() as session:
        announced = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.type == EventType.DELAY_DETECTED, Event.case_id == late.id)
        )
    assert announced == 1


LATE_STEPS = """
query ($filter: OversightScope) {
  lateSteps(filter: $filter) { totalCount edges { node { id sequence case { receiptNo } officer { id } } } }
}
"""


async def test_late_steps_now(watchdog: httpx.AsyncClient, made: History) -> None:
    everywhere = (await post(watchdog, LATE_STEPS))["lateSteps"]
    assert everywhere["totalCount"] == 1
    (only,) = everywhere["edges"]
    assert only["node"]["id"] == global_id("Step", made.steps["c4.s2"])
    assert only["node"]["case"] == {"receiptNo": "TEST-c4"}

    by = {
        "D1": {"departmentId": global_id("Department", made.departments["D1"])},
        "D2": {"departmentId": global_id("Department", made.departments["D2"])},
        "O3": {"officerId": global_id("Officer", made.officers["O3"])},
        "O1": {"officerId": global_id("Officer", made.officers["O1"])},
        "B": {"taskTypeCode": made.task_codes["B"]},
        "A": {"taskTypeCode": made.task_codes["A"]},
    }
    counts = {
        name: (await post(watchdog, LATE_STEPS, filter=scope))["lateSteps"]["totalCount"] for name, scope in by.items()
    }
    # c4's review is held by O3, who works in D2; c4 is of task type B.
    assert counts == {"D1": 0, "D2": 1, "O3": 1, "O1": 0, "B": 1, "A": 0}


DELAYS = """
query ($filter: DelayFilter) {
  delays(filter: $filter) {
    totalCount
    edges { node { kind lagHours dueAt officer { id } lateEntries { sequence } case { receiptNo } step { id } } }
  }
}
"""


async def test_delay_history_filters(watchdog: httpx.AsyncClient, oversight_sessions: Sessions, made: History) -> None:
    await delays.check(oversight_sessions, POLICY)
    late_entry = next(iter(await _late_entries(oversight_sessions)))

    inputs = (await post(watchdog, DELAYS, filter={"kind": "INPUT"}))["delays"]
    (entry,) = inputs["edges"]
    assert entry["node"]["kind"] == "INPUT"
    assert entry["node"]["lagHours"] == 16.0, "working hours, not the 48 that passed"
    assert entry["node"]["officer"] == {"id": global_id("Officer", made.officers["O1"])}
    assert entry["node"]["lateEntries"] == [{"sequence": late_entry}]

    of_o3 = await post(watchdog, DELAYS, filter={"scope": {"officerId": global_id("Officer", made.officers["O3"])}})
    (step_delay,) = of_o3["delays"]["edges"]
    assert step_delay["node"]["step"] == {"id": global_id("Step", made.steps["c4.s2"])}
    assert step_delay["node"]["dueAt"] == "2025-02-14T18:00:00+09:00"


DELAY_PAGES = """
query ($first: Int, $after: String, $last: Int, $before: String) {
  delays(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_delay_history_pages_both_ways(
    watchdog: httpx.AsyncClient, oversight_sessions: Sessions, made: History
) -> None:
    await delays.check(oversight_sessions, POLICY)

    async def fetch(**arguments: Any) -> dict[str, Any]:
        page: dict[str, Any] = (await post(watchdog, DELAY_PAGES, **arguments))["delays"]
        return page

    total = (await fetch(first=0))["totalCount"]
    assert total >= 4
    assert len(await both_ways(fetch, 2)) == total


EXPLAIN = """
mutation ($input: ExplainDelayInput!) {
  explainDelay(input: $input) {
    __typename
    ... on DelayPayload { delay { explanation explainedBy { id } } }
    ... on WorkflowError { code field }
  }
}
"""


async def test_the_department_explains_a_delay(
    watchdog: httpx.AsyncClient, oversight_sessions: Sessions, oversight_officers: Officers, made: History
) -> None:
    await delays.check(oversight_sessions, POLICY)
    async with oversight_sessions() as session:
        delay_id = await session.scalar(select(Delay.id).where(Delay.subject == f"step:{made.steps['c4.s2']}"))
    assert delay_id is not None
    delay = global_id("Delay", delay_id)
    outsider = await oversight_officers.fetchval(
        "SELECT id FROM officer WHERE role = 'officer' AND id <> ALL($1::int[]) ORDER BY id LIMIT 1",
        list(made.officers.values()),
    )
    before = await oversight_officers.fetchval("SELECT last_seq FROM event_counter")

    anonymous = await call(watchdog, EXPLAIN, input={"delayId": delay, "explanation": "x"})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    stranger = await call(
        watchdog, EXPLAIN, await oversight_officers.token(outsider), input={"delayId": delay, "explanation": "x"}
    )
    assert stranger["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    holder = await oversight_officers.token(made.officers["O3"])
    blank = await call(watchdog, EXPLAIN, holder, input={"delayId": delay, "explanation": "  "})
    assert blank["data"]["explainDelay"] == {"__typename": "WorkflowError", "code": "REQUIRED", "field": "explanation"}
    assert await oversight_officers.fetchval("SELECT last_seq FROM event_counter") == before

    explained = await call(
        watchdog, EXPLAIN, holder, input={"delayId": delay, "explanation": "현장조사 일정이 밀렸습니다."}
    )
    assert explained["data"]["explainDelay"]["delay"] == {
        "explanation": "현장조사 일정이 밀렸습니다.",
        "explainedBy": {"id": global_id("Officer", made.officers["O3"])},
    }
    event = await oversight_officers.fetch("SELECT type, payload FROM event WHERE seq = $1", before + 1)
    assert event[0]["type"] == "delay_explained"
    assert "현장조사 일정이 밀렸습니다." in event[0]["payload"]

    # A retry with the same idempotency key gets the delay back and appends nothing.
    keyed = {"input": {"delayId": delay, "explanation": "일정을 다시 잡았습니다."}, "key": "explain-once"}
    first = await call(watchdog, KEYED_EXPLAIN, holder, **keyed)
    retried = await call(watchdog, KEYED_EXPLAIN, holder, **keyed)
    # The same answer; each carries the commit position at its own time (both at or past the one write).
    assert first["data"] == retried["data"]
    assert "errors" not in retried
    assert first["data"]["explainDelay"]["delay"]["explanation"] == "일정을 다시 잡았습니다."
    assert await oversight_officers.fetchval("SELECT last_seq FROM event_counter") == before + 2


KEYED_EXPLAIN = """
mutation ($input: ExplainDelayInput!, $key: String) {
  explainDelay(input: $input, idempotencyKey: $key) { ... on DelayPayload { delay { explanation } } }
}
"""


WATCH_DELAYS = """
subscription ($after: Int) {
  events(filter: { types: [DELAY_DETECTED] }, after: $after) { sequence type payload case { receiptNo } }
}
"""


async def test_the_server_runs_rounds_and_watchers_see_the_delays(
    oversight_url: str, oversight_sessions: Sessions, made: History
) -> None:
    await delays.check(oversight_sessions, POLICY)
    async with oversight_sessions() as session:
        last = await session.scalar(select(func.max(Event.seq)))
    late = await decided_a_year_late(oversight_sessions, made, "c9")

    # A server whose first round runs as it starts; the watcher resumes from before it, so it cannot miss it.
    app = create_app(oversight_url, Settings(db_pool_size=2, oversight_interval_s=3600))
    async with app.router.lifespan_context(app):
        watcher = Client(app.state.live, WATCH_DELAYS, {}, last)
        await watcher.connect(last)
        watcher.give(1)
        async with asyncio.timeout(30):
            while not watcher.payloads:
                await watcher.changed.wait()
                watcher.changed.clear()
        await watcher.hang_up()
    announced = watcher.payloads[0]

    assert announced["type"] == "DELAY_DETECTED"
    assert announced["case"] == {"receiptNo": "TEST-c9"}
    assert announced["payload"]["delay"]["kind"] == "processing"
    assert datetime.fromisoformat(announced["payload"]["delay"]["dueAt"]) == late.due_at


async def test_concurrent_rounds_both_finish(oversight_sessions: Sessions, made: History) -> None:
    """Replicas run rounds at the same time: each part takes its turn, so neither fails on what the other wrote
    (both once replaced the prediction norms together, and one failed on a duplicate key)."""
    await asyncio.gather(*(run_round(oversight_sessions, POLICY, min_samples=1) for _ in range(2)))
    async with oversight_sessions() as session:
        norms = await session.scalar(select(func.count()).select_from(StepDurationNorm))
        kinds = await session.scalar(
            select(func.count()).select_from(
                select(Case.task_type_id, Step.sequence)
                .join(Case, Case.id == Step.case_id)
                .where(Step.status == StepStatus.SIGNED, Step.started_at.is_not(None))
                .distinct()
                .subquery()
            )
        )
    assert norms == kinds
