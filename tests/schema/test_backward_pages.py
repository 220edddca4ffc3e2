"""Every keyset connection pages backward (`last`/`before`) as well as forward, over the same rows in the same order;
`first` with `last`, or a cursor of another list, is refused with the argument named."""

from collections import Counter
from typing import Any

import httpx
import pytest

from resolvers.context import Context
from seed.generator import Dataset
from tests.helpers import execute, global_id, post_expecting_errors
from tests.pages import both_ways

SLICE = "$first: Int, $after: String, $last: Int, $before: String"
ARGUMENTS = "first: $first, after: $after, last: $last, before: $before"
PAGE = "edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


async def walk(context: Context, query: str, path: list[str], size: int, **variables: Any) -> list[str]:
    async def fetch(**arguments: Any) -> dict[str, Any]:
        data: Any = await execute(context, query, **variables, **arguments)
        for key in path:
            data = data[key]
        page: dict[str, Any] = data
        return page

    return await both_ways(fetch, size)


@pytest.mark.parametrize("order", ["RECEIVED_AT_DESC", "RECEIVED_AT_ASC", "DUE_AT_ASC", "DUE_AT_DESC"])
async def test_cases_both_ways(context: Context, demo: Dataset, order: str) -> None:
    query = f"""query ({SLICE}, $order: CaseOrderBy!, $filter: CaseFilter) {{
      cases({ARGUMENTS}, orderBy: $order, filter: $filter) {{ {PAGE} }} }}"""
    busiest, expected = Counter(row["department_id"] for row in rows(demo, "case")).most_common(1)[0]
    filter = {"departmentId": global_id("Department", busiest), "includeSubdepartments": False}
    cursors = await walk(context, query, ["cases"], 17, order=order, filter=filter)
    assert len(cursors) == expected > 17


def rows(demo: Dataset, table: str) -> list[dict[str, Any]]:
    return [row._asdict() for row in demo.rows[table]]


async def test_a_task_types_cases_both_ways(context: Context) -> None:
    query = f'query ({SLICE}) {{ taskType(code: "BLD-PMT") {{ cases({ARGUMENTS}) {{ {PAGE} }} }} }}'
    assert len(await walk(context, query, ["taskType", "cases"], 3)) > 3


async def test_officers_and_their_steps_both_ways(context: Context, demo: Dataset) -> None:
    officers = f"query ({SLICE}) {{ officers({ARGUMENTS}) {{ {PAGE} }} }}"
    assert len(await walk(context, officers, ["officers"], 40)) == len(demo.rows["officer"])
    held = Counter(step["officer_id"] for step in rows(demo, "step"))
    busiest, count = held.most_common(1)[0]
    steps = f"query ({SLICE}, $id: ID!) {{ officer(id: $id) {{ steps({ARGUMENTS}) {{ {PAGE} }} }} }}"
    assert len(await walk(context, steps, ["officer", "steps"], 7, id=global_id("Officer", busiest))) == count


async def test_late_steps_both_ways(context: Context) -> None:
    query = f"query ({SLICE}) {{ lateSteps({ARGUMENTS}) {{ {PAGE} }} }}"
    assert len(await walk(context, query, ["lateSteps"], 9)) > 9


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": 2, "last": 2}, "last"),
        ({"last": 101}, "last"),
        ({"last": -1}, "last"),
        ({"before": "nope"}, "before"),
        ({"last": 2, "before": global_id("Case", 1)}, "before"),
    ],
)
async def test_bad_slices_name_their_argument(
    client: httpx.AsyncClient, variables: dict[str, Any], argument: str
) -> None:
    query = f"query ({SLICE}) {{ cases({ARGUMENTS}) {{ edges {{ cursor }} }} }}"
    (error,) = await post_expecting_errors(client, query, **variables)
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == ("BAD_USER_INPUT", argument)
