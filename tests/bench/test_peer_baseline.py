"""The asyncpg baseline of `make bench-peer` answers as OPEN does, so the peer comparison measures equal work.

Both answers go through bench/peer/shape.py, the normalising the benchmark itself compares servers with.
PostGraphile is not run here (no npm in CI); its half of the normalising is checked on a hand-written answer.
"""

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from bench.peer.baseline import Baseline
from bench.peer.shape import Dialect, Query, first_difference, normalise
from bench.queries import CASE_DETAIL, CASE_LIST
from models.enums import CaseStatus
from seed import loader
from seed.generator import Dataset

# A case of every status there is, and the one citing the most legal references (their order matters).
SAMPLE_CASES = """
(SELECT DISTINCT ON (status) receipt_no FROM "case" ORDER BY status, id)
UNION
(SELECT c.receipt_no FROM "case" c JOIN task_type_legal_reference l ON l.task_type_id = c.task_type_id
 GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1)
"""


@pytest.fixture(scope="module")
async def baseline(database_url: str, demo: Dataset) -> AsyncIterator[httpx.AsyncClient]:
    app = Baseline(database_url, pool_size=2)
    await app.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://baseline") as http:
            yield http
    finally:
        await app.close()


@pytest.fixture(scope="module")
async def receipt_numbers(database_url: str, demo: Dataset) -> list[str]:
    connection = await asyncpg.connect(loader.libpq(database_url))
    try:
        return sorted(row["receipt_no"] for row in await connection.fetch(SAMPLE_CASES))
    finally:
        await connection.close()


async def raw_answer(client: httpx.AsyncClient, query: Query, variables: dict[str, Any]) -> dict[str, Any]:
    document = CASE_DETAIL if query is Query.CASE_DETAIL else CASE_LIST
    response = await client.post("/graphql", json={"query": document, "variables": variables})
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "errors" not in payload, payload["errors"]
    data: dict[str, Any] = payload["data"]
    return data


async def answer(client: httpx.AsyncClient, query: Query, variables: dict[str, Any]) -> Any:
    return normalise(query, Dialect.OPEN, await raw_answer(client, query, variables))


async def test_case_detail_equals_opens(
    client: httpx.AsyncClient, baseline: httpx.AsyncClient, receipt_numbers: list[str]
) -> None:
    # given a case of every status
    assert len(receipt_numbers) >= 4
    most_references = 0
    for number in [*receipt_numbers, "no-such-receipt"]:
        # when both answer the case page
        opens = await raw_answer(client, Query.CASE_DETAIL, {"receiptNo": number})
        baselines = await raw_answer(baseline, Query.CASE_DETAIL, {"receiptNo": number})
        # then the data is the same, steps in order
        expected = normalise(Query.CASE_DETAIL, Dialect.OPEN, opens)
        actual = normalise(Query.CASE_DETAIL, Dialect.OPEN, baselines)
        assert first_difference(expected, actual) is None, (number, first_difference(expected, actual))
        assert expected == actual
        assert (expected is None) == (number == "no-such-receipt")
        # and legal references too: the normalising compares them as a set, for PostGraphile's sake
        if opens["case"] is not None:
            references = opens["case"]["taskType"]["legalReferences"]
            assert baselines["case"]["taskType"]["legalReferences"] == references
            most_references = max(most_references, len(references))
    assert most_references >= 2


@pytest.mark.parametrize("statuses", [[status.name] for status in CaseStatus] + [["COMPLETED", "REJECTED"], None])
async def test_case_list_equals_opens(
    client: httpx.AsyncClient, baseline: httpx.AsyncClient, statuses: list[str] | None
) -> None:
    # when both answer the dashboard's newest 50 of some statuses (or of all)
    expected = await answer(client, Query.CASE_LIST, {"status": statuses})
    actual = await answer(baseline, Query.CASE_LIST, {"status": statuses})
    # then they list the same cases in the same order, with the same steps
    assert first_difference(expected, actual) is None, first_difference(expected, actual)
    assert expected == actual


async def test_baseline_refuses_other_documents(baseline: httpx.AsyncClient) -> None:
    response = await baseline.post("/graphql", json={"query": "{ taskTypes { code } }"})
    assert response.status_code == 400
    assert response.json()["errors"]


def test_postgraphile_answers_normalise_to_opens_shape() -> None:
    # given the same case as OPEN presents it and as PostGraphile does (UTC, lower-case enums, row IDs, link table)
    reference = {"law": "건축법", "article": "제11조", "title": "건축허가", "url": "https://www.law.go.kr/x"}
    other = {**reference, "law": "가법", "article": "제1조"}
    step = {"sequence": 1, "name": "접수", "startedAt": None, "dueAt": None, "comment": None, "officer": None}
    open_case = {
        "case": {
            "id": "Q2FzZToxNjU5Nw==",
            "status": "IN_PROGRESS",
            "receivedAt": "2026-08-11T09:56:00+09:00",
            "taskType": {"code": "BLD-PMT", "legalReferences": [other, reference]},
            "steps": [{**step, "status": "SIGNED", "signedAt": "2026-08-18T11:43:10.5+09:00"}],
        }
    }
    postgraphile_case = {
        "caseByReceiptNo": {
            "rowId": 16597,
            "status": "in_progress",
            "receivedAt": "2026-08-11T00:56:00.000000+00:00",
            "taskType": {
                "code": "BLD-PMT",
                "taskTypeLegalReferences": {"nodes": [{"legalReference": reference}, {"legalReference": other}]},
            },
            "steps": {"nodes": [{**step, "status": "signed", "signedAt": "2026-08-18T02:43:10.500000+00:00"}]},
        }
    }
    # when both are normalised, then they are equal
    expected = normalise(Query.CASE_DETAIL, Dialect.OPEN, open_case)
    assert normalise(Query.CASE_DETAIL, Dialect.POSTGRAPHILE, postgraphile_case) == expected
    # and a real difference is reported with its path
    changed = {"caseByReceiptNo": {**postgraphile_case["caseByReceiptNo"], "receivedAt": "2026-08-11T00:57:00Z"}}
    found = first_difference(expected, normalise(Query.CASE_DETAIL, Dialect.POSTGRAPHILE, changed))
    assert found is not None
    assert found.startswith(".receivedAt")
