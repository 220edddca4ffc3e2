"""The compiled read path answers exactly what Strawberry answers, for every field it knows.

Two apps over the same demo database: one with compiled reads, one without. Every query is sent to both and the
parsed JSON must be equal; the compiled app's counter proves the fast path answered.
"""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bench.queries import CASE_DETAIL, CASE_LIST
from openproc.app import create_app
from openproc.settings import Settings
from readpath.tables import TABLES
from schema import schema
from schema.time import SEOUL
from seed.generator import ROW_TYPES, Dataset
from tests.helpers import global_id
from tests.pages import both_ways


@pytest.fixture(scope="module")
async def strawberry_only(database_url: str, demo: Dataset) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database_url, Settings(db_pool_size=4, compiled_reads=False))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield http


@pytest.fixture(scope="module")
async def compiled(database_url: str, demo: Dataset) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(database_url, Settings(db_pool_size=4))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield app, http


def selection(type_name: str, depth: int, seen: frozenset[str] = frozenset()) -> str:
    """Every field the compiler maps for `type_name`, following relations `depth` levels, each type once a path."""
    table = TABLES[type_name]
    fields = ["__typename", *table.scalars]
    if depth > 0:
        for name, relation in table.relations.items():
            if relation.target not in seen:
                fields.append(f"{name} {{ {selection(relation.target, depth - 1, seen | {type_name})} }}")
    return " ".join(fields)


EVERYTHING = f"query Everything($receiptNo: String!) {{ case(receiptNo: $receiptNo) {{ {selection('Case', 3)} }} }}"
PAGES = """
query Pages($filter: CaseFilter, $orderBy: CaseOrderBy!, $first: Int, $after: String) {
  __typename
  cases(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...Row } }
  }
}
fragment Row on Case { id receiptNo status dueAt isOverdue t: taskType { code } ... on Case { department { name } } }
"""


class Both:
    def __init__(self, compiled: tuple[Starlette, httpx.AsyncClient], strawberry_only: httpx.AsyncClient) -> None:
        self.app, self.fast = compiled
        self.slow = strawberry_only

    async def same(self, query: str, **variables: Any) -> dict[str, Any]:
        """Both answers, which must be equal and free of errors; returns the data."""
        before = self.app.state.reads.answered
        fast = (await self.fast.post("/graphql", json={"query": query, "variables": variables})).json()
        slow = (await self.slow.post("/graphql", json={"query": query, "variables": variables})).json()
        assert "errors" not in slow, slow
        assert fast == slow
        assert self.app.state.reads.answered == before + 1, "the compiled path answered"
        data: dict[str, Any] = fast["data"]
        return data


@pytest.fixture
def both(compiled: tuple[Starlette, httpx.AsyncClient], strawberry_only: httpx.AsyncClient) -> Both:
    return Both(compiled, strawberry_only)


async def test_every_mapped_field_of_a_case_matches(both: Both, demo: Dataset) -> None:
    # Cases in every status, with and without documents, actions and signers.
    rows = demo.rows["case"]
    sample = [row for index, row in enumerate(rows) if index % (len(rows) // 40) == 0]
    # And the oldest case of each status: a withdrawn one has skipped steps whose planned due times have passed.
    status = ROW_TYPES["case"]._fields.index("status")
    sample += list({row[status]: row for row in reversed(rows)}.values())
    for row in sample:
        receipt_no = row[1]
        data = await both.same(EVERYTHING, receiptNo=receipt_no)
        assert data["case"]["receiptNo"] == receipt_no
    assert (await both.same(EVERYTHING, receiptNo="NO-SUCH-CASE")) == {"case": None}


async def test_the_benchmark_queries_match(both: Both, demo: Dataset) -> None:
    for row in demo.rows["case"][:20]:
        await both.same(CASE_DETAIL, receiptNo=row[1])
    for status in (["IN_PROGRESS"], ["COMPLETED", "REJECTED"], ["AWAITING_SUPPLEMENT"], None):
        data = await both.same(CASE_LIST, status=status)
        assert data["cases"]["edges"], status


@pytest.mark.parametrize("order_by", ["RECEIVED_AT_DESC", "RECEIVED_AT_ASC", "DUE_AT_ASC", "DUE_AT_DESC"])
async def test_pages_follow_their_cursors_alike(both: Both, order_by: str) -> None:
    after = None
    for _ in range(3):
        data = await both.same(PAGES, orderBy=order_by, first=7, after=after)
        after = data["cases"]["pageInfo"]["endCursor"]
    assert after is not None


# The demo data is generated around the moment the tests run.
NOW = datetime.now(SEOUL).replace(microsecond=0, tzinfo=None)


def days_from_now(days: int, offset: str = "") -> str:
    """A local time (Asia/Seoul when no offset) for a filter, `days` from now."""
    return (NOW + timedelta(days=days)).isoformat() + offset


# The unit the demo data gives most cases, without the units below (none).
ONE_UNIT = {"departmentId": global_id("Department", 87), "includeSubdepartments": False}
FILTERS: list[dict[str, Any]] = [
    {"status": ["IN_PROGRESS", "RECEIVED"]},
    {"taskTypeCode": "BLD-PMT"},
    {"departmentId": global_id("Department", 1)},
    ONE_UNIT,
    {"receivedFrom": days_from_now(-300), "receivedTo": days_from_now(-100, "+09:00")},
    {"officerId": global_id("Officer", 12)},
    {"taskTypeCode": "NO-SUCH-CODE"},
    {"overdueNow": True},
    {"overdueNow": False, "status": ["RECEIVED", "IN_PROGRESS"]},
    {"dueFrom": days_from_now(-30), "dueTo": days_from_now(30, "+09:00"), "overdueNow": True},
]


@pytest.mark.parametrize("filter", FILTERS)
async def test_filters_match(both: Both, filter: dict[str, Any]) -> None:
    data = await both.same(PAGES, filter=filter, orderBy="DUE_AT_ASC", first=25)
    if filter.get("taskTypeCode") != "NO-SUCH-CODE":
        assert data["cases"]["edges"], "a filter that matches nothing compares nothing"


def test_every_filter_criterion_is_compared() -> None:
    """A criterion added to the schema but not to the compiler (or the reverse) would go untested above."""
    criteria = set(schema.graphql_schema.type_map["CaseFilter"].fields)  # type: ignore[attr-defined]
    assert criteria == {key for filter in FILTERS for key in filter}


@pytest.mark.parametrize("order_by", ["RECEIVED_AT_DESC", "DUE_AT_ASC"])
async def test_pages_backward_match(both: Both, order_by: str) -> None:
    """`last`/`before` on both paths, walked to the start and checked against the forward walk (tests/pages.py)."""
    query = PAGES.replace("$first: Int, $after: String", "$first: Int, $after: String, $last: Int, $before: String")
    query = query.replace("first: $first, after: $after", "first: $first, after: $after, last: $last, before: $before")
    assert query != PAGES

    async def fetch(**arguments: Any) -> dict[str, Any]:
        data = await both.same(query, filter=ONE_UNIT, orderBy=order_by, **arguments)
        page: dict[str, Any] = data["cases"]
        return page

    assert len(await both_ways(fetch, 23)) > 23


OFFICERS = f"""
query Officers($departmentId: ID, $first: Int, $after: String, $last: Int, $before: String) {{
  officers(departmentId: $departmentId, first: $first, after: $after, last: $last, before: $before) {{
    __typename totalCount
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ __typename cursor node {{ {selection("Officer", 2)} }} }}
  }}
}}
"""


@pytest.mark.parametrize("department", [None, 87])
async def test_officers_match_page_by_page_both_ways(both: Both, demo: Dataset, department: int | None) -> None:
    unit = None if department is None else global_id("Department", department)

    async def fetch(**arguments: Any) -> dict[str, Any]:
        page: dict[str, Any] = (await both.same(OFFICERS, departmentId=unit, **arguments))["officers"]
        return page

    cursors = await both_ways(fetch, 40 if department is None else 3)
    department_of = ROW_TYPES["officer"]._fields.index("department_id")
    expected = [row for row in demo.rows["officer"] if department is None or row[department_of] == department]
    assert len(cursors) == len(expected) > 3


# Each list with every mapped field two relations deep, but the laws: each law's task types' own relations cost
# more than the schema lets one request ask for.
@pytest.mark.parametrize(
    ("root", "type_name", "depth"),
    [("taskTypes", "TaskType", 2), ("legalReferences", "LegalReference", 1), ("departments", "Department", 2)],
)
async def test_the_reference_lists_match(both: Both, root: str, type_name: str, depth: int) -> None:
    data = await both.same(f"query Reference {{ {root} {{ {selection(type_name, depth)} }} }}")
    assert data[root]


async def test_a_task_type_by_its_code_matches(both: Both) -> None:
    query = f"query Introduction($code: String!) {{ taskType(code: $code) {{ {selection('TaskType', 2)} }} }}"
    assert (await both.same(query, code="BLD-PMT"))["taskType"]["code"] == "BLD-PMT"
    assert await both.same(query, code="NO-SUCH-TYPE") == {"taskType": None}


async def test_empty_pages_and_the_last_page(both: Both) -> None:
    await both.same(PAGES, orderBy="RECEIVED_AT_DESC", first=0)
    data = await both.same(PAGES, filter={"taskTypeCode": "BLD-PMT"}, orderBy="RECEIVED_AT_ASC", first=100)
    assert data["cases"]["pageInfo"]["hasNextPage"] is False


async def test_what_the_compiler_does_not_know_goes_to_strawberry(
    compiled: tuple[Starlette, httpx.AsyncClient], strawberry_only: httpx.AsyncClient
) -> None:
    app, fast = compiled
    before = app.state.reads.answered
    queries: list[tuple[str, dict[str, Any]]] = [
        ("query ($r: String!) { case(receiptNo: $r) { clock { state } events(first: 2) { totalCount } } }", {}),
        ("{ cases(first: 500) { totalCount } }", {}),  # refused: the typed error comes from Strawberry
        ('{ cases(after: "nope") { totalCount } }', {}),
        ("query { cases(first: 1) @skip(if: false) { totalCount } }", {}),
        ('mutation { recordCaseView(receiptNo: "x") { __typename } }', {}),
        # Refused IDs and cursors: the typed errors come from Strawberry.
        ('{ officers(departmentId: "nope") { totalCount } }', {}),
        (f'{{ officers(departmentId: "{global_id("Officer", 1)}") {{ totalCount }} }}', {}),
        ('{ officers(first: 2, after: "nope") { totalCount } }', {}),
    ]
    for query, variables in queries:
        fast_answer = (await fast.post("/graphql", json={"query": query, "variables": {"r": "x", **variables}})).json()
        slow_answer = (
            await strawberry_only.post("/graphql", json={"query": query, "variables": {"r": "x", **variables}})
        ).json()
        assert {key: value for key, value in fast_answer.items() if key != "extensions"} == {
            key: value for key, value in slow_answer.items() if key != "extensions"
        }
    assert app.state.reads.answered == before
