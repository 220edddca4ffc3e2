"""The response cache: a repeated public read is served from memory until an event of its case (or, for lists,
of any case) arrives; then the next answer is fresh."""

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from bench.queries import CASE_DETAIL, CASE_LIST
from models import Case, CaseStatus, Event, EventType
from openproc.app import create_app
from openproc.settings import Settings
from readpath.cache import ResponseCache
from resolvers.progress import CaseState, Snapshot
from tests.helpers import Officers, post
from tests.schema.mutations.workflow import SIGN, Desk, db_id


@pytest.fixture
async def cached_app(write_url: str) -> AsyncIterator[Starlette]:
    app = create_app(write_url, Settings(db_pool_size=4, response_cache_s=300, rate_signings_per_minute=1_000))
    async with app.router.lifespan_context(app):
        await app.state.reads.cache.ready.wait()
        yield app


async def test_an_event_drops_the_answers_it_changes(cached_app: Starlette, officers: Officers) -> None:
    cache: ResponseCache = cached_app.state.reads.cache
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cached_app), base_url="http://testserver") as http:
        desk = Desk(http, officers)
        case = (await desk.register("BLD-PMT"))["case"]
        other = (await desk.register("BLD-PMT"))["case"]
        await cache.caught_up(await desk.event_count())
        first = await post(http, CASE_DETAIL, receiptNo=case["receiptNo"])
        await post(http, CASE_DETAIL, receiptNo=other["receiptNo"])
        await post(http, CASE_LIST, status=["IN_PROGRESS"])
        hits = cache.hits

        assert await post(http, CASE_DETAIL, receiptNo=case["receiptNo"]) == first
        assert cache.hits == hits + 1

        step = case["steps"][0]
        await desk.ok(SIGN, db_id(step["officer"]["id"]), input={"stepId": step["id"]})
        await cache.caught_up(await desk.event_count())

        fresh = await post(http, CASE_DETAIL, receiptNo=case["receiptNo"])
        assert fresh["case"]["steps"][0]["status"] == "SIGNED"
        await post(http, CASE_DETAIL, receiptNo=other["receiptNo"])  # another case: still cached
        await post(http, CASE_LIST, status=["IN_PROGRESS"])  # a list: dropped by any case's event
        assert cache.hits == hits + 2


def _snapshot(sequence: int, receipt_no: str | None, kind: EventType = EventType.STEP_SIGNED) -> Snapshot:
    case = None
    if receipt_no is not None:
        case = CaseState(Case(receipt_no=receipt_no, status=CaseStatus.IN_PROGRESS), "T", "D", "/", [])
    return Snapshot(Event(seq=sequence, type=kind), case, None)


async def test_an_answer_computed_across_an_event_is_not_kept() -> None:
    cache = ResponseCache(ttl_s=300)
    cache.ready.set()
    key = ("query", None, "{}")
    generation = cache.generation
    cache.deliver(_snapshot(1, "A"))  # arrives while the answer was being computed
    cache.put(key, b"stale", frozenset({"A"}), False, generation)
    assert cache.get(key) is None

    cache.put(key, b"fresh", frozenset({"A"}), False, cache.generation)
    cache.deliver(_snapshot(2, "B"))
    assert cache.get(key) == b"fresh", "an event of another case leaves it"
    cache.deliver(_snapshot(3, None, EventType.REFERENCE_UPDATED))
    assert cache.get(key) is None, "reference data changes every answer"


async def test_answers_expire_and_the_cache_stays_bounded() -> None:
    cache = ResponseCache(ttl_s=0, max_bytes=1_600)
    cache.ready.set()
    cache.put(("a", None, "{}"), b"x" * 10, frozenset(), True, cache.generation)
    assert cache.get(("a", None, "{}")) is None, "expired at once"
    cache = ResponseCache(ttl_s=300, max_bytes=1_600)
    cache.ready.set()
    for index in range(30):
        # 95 bytes of answer and 5 of key (document "k07", variables "{}"): 16 entries fit in 1,600 bytes.
        cache.put((f"k{index:02}", None, "{}"), b"x" * 95, frozenset(), True, cache.generation)
    kept = [index for index in range(30) if cache.get((f"k{index:02}", None, "{}")) is not None]
    assert kept == list(range(14, 30)), "bounded by bytes, keys included; the least recently used go first"
    cache = ResponseCache(ttl_s=300, max_entries=5)
    cache.ready.set()
    for index in range(30):
        cache.put((str(index), None, "{}"), b"x", frozenset(), True, cache.generation)
    kept = [index for index in range(30) if cache.get((str(index), None, "{}")) is not None]
    assert kept == list(range(25, 30)), "bounded by count"
