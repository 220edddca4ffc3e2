"""View counters (nothing about the viewer kept) and the milestones announced when figures pass round numbers."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from models import Event, EventType
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.oversight.counters import THRESHOLDS, check_milestones
from tests.helpers import Officers, call, global_id, post

VIEW_CASE = """
mutation ($receiptNo: String!) {
  recordCaseView(receiptNo: $receiptNo) { __typename ... on ViewCount { views } ... on WorkflowError { code field } }
}
"""
VIEW_DOCUMENT = """
mutation ($id: ID!) {
  recordDocumentView(documentId: $id) { __typename ... on ViewCount { views } ... on WorkflowError { code field } }
}
"""
PAGE_VIEWS = "query ($receiptNo: String!) { case(receiptNo: $receiptNo) { pageViews } }"


async def test_case_views_are_counted(writer: httpx.AsyncClient, officers: Officers) -> None:
    receipt_no = await officers.fetchval('SELECT receipt_no FROM "case" ORDER BY id LIMIT 1')
    before = (await post(writer, PAGE_VIEWS, receiptNo=receipt_no))["case"]["pageViews"]

    tallied = "SELECT coalesce(sum(views), 0) FROM view_tally WHERE metric = 'case_page_views' AND hour = $1"
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    tallied_before = await officers.fetchval(tallied, hour)

    first = await post(writer, VIEW_CASE, receiptNo=receipt_no)
    second = await post(writer, VIEW_CASE, receiptNo=receipt_no)

    assert [first["recordCaseView"]["views"], second["recordCaseView"]["views"]] == [before + 1, before + 2]
    # The hour's tally has them too (unless the hour turned between the two reads, which only moves them on).
    if datetime.now(UTC).replace(minute=0, second=0, microsecond=0) == hour:
        assert await officers.fetchval(tallied, hour) == tallied_before + 2
    assert (await post(writer, PAGE_VIEWS, receiptNo=receipt_no))["case"]["pageViews"] == before + 2
    missing = await post(writer, VIEW_CASE, receiptNo="NO-SUCH-CASE")
    assert missing["recordCaseView"] == {"__typename": "WorkflowError", "code": "NOT_FOUND", "field": "receiptNo"}


async def test_only_public_documents_are_counted(writer: httpx.AsyncClient, officers: Officers) -> None:
    public = await officers.fetchval("SELECT id FROM document WHERE is_public ORDER BY id LIMIT 1")
    private = await officers.fetchval("SELECT id FROM document WHERE NOT is_public ORDER BY id LIMIT 1")
    views = await officers.fetchval("SELECT view_count FROM document WHERE id = $1", public)

    tallied = "SELECT coalesce(sum(views), 0) FROM view_tally WHERE metric = 'document_views'"
    tallied_before = await officers.fetchval(tallied)

    counted = await post(writer, VIEW_DOCUMENT, id=global_id("Document", public))
    hidden = await post(writer, VIEW_DOCUMENT, id=global_id("Document", private))

    assert counted["recordDocumentView"] == {"__typename": "ViewCount", "views": views + 1}
    assert await officers.fetchval(tallied) == tallied_before + 1, "the private document's view is not tallied"
    assert hidden["recordDocumentView"]["code"] == "NOT_FOUND"
    assert await officers.fetchval("SELECT view_count FROM document WHERE id = $1", private) == 0


async def test_views_are_rate_limited_per_address(writer: httpx.AsyncClient, officers: Officers) -> None:
    receipt_no = await officers.fetchval('SELECT receipt_no FROM "case" ORDER BY id DESC LIMIT 1')
    answers = [await call(writer, VIEW_CASE, receiptNo=receipt_no) for _ in range(31)]
    assert all("errors" not in answer for answer in answers[:30])
    assert answers[30]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert await officers.fetchval('SELECT view_count FROM "case" WHERE receipt_no = $1', receipt_no) == 30


COUNTERS = "{ counters { registeredCases milestones { metric threshold eventSequence reachedAt } } }"


async def test_milestones_are_announced_once(writer: httpx.AsyncClient, officers: Officers) -> None:
    figures = {
        "REGISTERED_CASES": await officers.fetchval('SELECT count(*) FROM "case"'),
        "REGISTERED_DOCUMENTS": await officers.fetchval("SELECT count(*) FROM document"),
        "CASE_PAGE_VIEWS": await officers.fetchval('SELECT coalesce(sum(view_count), 0) FROM "case"'),
        "DOCUMENT_VIEWS": await officers.fetchval("SELECT coalesce(sum(view_count), 0) FROM document"),
    }
    passed = {
        (metric, threshold) for metric, value in figures.items() for threshold in THRESHOLDS if threshold <= value
    }
    assert ("REGISTERED_CASES", 1_000) in passed, "the demo data has passed at least one round number"
    engine = create_engine(officers.url, Settings(db_pool_size=2))
    try:
        sessions = create_sessionmaker(engine)
        checked_at = datetime.now(UTC)
        announced = await check_milestones(sessions)
        again = await check_milestones(sessions)
        async with sessions() as session:
            events = (await session.scalars(select(Event).where(Event.type == EventType.MILESTONE_REACHED))).all()
    finally:
        await engine.dispose()

    assert (announced, again) == (len(passed), 0)
    counters = (await post(writer, COUNTERS))["counters"]
    assert counters["registeredCases"] == figures["REGISTERED_CASES"]
    assert {(row["metric"], row["threshold"]) for row in counters["milestones"]} == passed
    assert sorted(row["eventSequence"] for row in counters["milestones"]) == sorted(event.seq for event in events)
    assert {event.payload["milestone"]["metric"].upper() for event in events} == {metric for metric, _ in passed}
    # Registrations are dated when the round number was made: the 1,000th case's receipt, the n-th document's.
    nth = {
        "REGISTERED_CASES": 'SELECT received_at FROM "case" ORDER BY received_at, id OFFSET $1 - 1 LIMIT 1',
        "REGISTERED_DOCUMENTS": "SELECT registered_at FROM document ORDER BY registered_at, id OFFSET $1 - 1 LIMIT 1",
    }
    for row in counters["milestones"]:
        if row["metric"] in nth:
            made = await officers.fetchval(nth[row["metric"]], row["threshold"])
            assert datetime.fromisoformat(row["reachedAt"]) == made, row
    # Views are dated by the end of the hour whose tally reached the round number (the demo data tallies every
    # view it gives, so nothing was counted before the tally).
    for metric, value in figures.items():
        if metric in nth:
            continue
        rows = await officers.fetch(
            "SELECT hour, sum(views) AS views FROM view_tally WHERE metric = $1 GROUP BY hour ORDER BY hour",
            metric.lower(),
        )
        assert sum(row["views"] for row in rows) == value
        upto, reached = 0, dict[int, datetime]()
        for row in rows:
            upto += row["views"]
            for threshold in THRESHOLDS:
                if threshold <= upto:
                    reached.setdefault(threshold, row["hour"] + timedelta(hours=1))
        dated = {
            row["threshold"]: datetime.fromisoformat(row["reachedAt"])
            for row in counters["milestones"]
            if row["metric"] == metric
        }
        assert set(dated) == set(reached)
        for threshold, hour_end in reached.items():
            if hour_end <= checked_at:
                assert dated[threshold] == hour_end
            else:  # an hour not over when the round ran: dated when the round noticed it, within that hour
                assert checked_at <= dated[threshold] <= hour_end
    by_seq = {event.seq: event for event in events}
    assert all(
        by_seq[row["eventSequence"]].occurred_at == datetime.fromisoformat(row["reachedAt"])
        for row in counters["milestones"]
    )


def test_the_round_numbers_include_the_visitors_the_original_awarded() -> None:
    assert {100_000, 300_000, 500_000} <= set(THRESHOLDS)
