"""The public case list: filters, orderings, keyset pages, and clear errors for bad input."""

from datetime import datetime, timedelta
from typing import Any

from resolvers.context import Context
from seed.generator import ROW_TYPES, Dataset
from tests.helpers import execute, global_id

CASES = """
query Cases($filter: CaseFilter, $orderBy: CaseOrderBy! = RECEIVED_AT_DESC, $first: Int, $after: String) {
  cases(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id receiptNo status receivedAt dueAt taskType { code } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def _cases(demo: Dataset) -> list[dict[str, Any]]:
    return [row._asdict() for row in demo.rows["case"]]


async def _all_pages(context: Context, **variables: object) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        data = await execute(context, CASES, first=100, after=after, **variables)
        nodes += [edge["node"] for edge in data["cases"]["edges"]]
        if not data["cases"]["pageInfo"]["hasNextPage"]:
            return nodes
        after = data["cases"]["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


async def test_pages_cover_every_case_once_in_order(context: Context, demo: Dataset) -> None:
    nodes = await _all_pages(context, orderBy="DUE_AT_ASC")

    assert len(nodes) == len(demo.rows["case"])
    assert len({node["id"] for node in nodes}) == len(nodes), "no case twice"
    due = [datetime.fromisoformat(str(node["dueAt"])) for node in nodes]
    assert due == sorted(due)


async def test_default_order_is_newest_first(context: Context) -> None:
    data = await execute(context, CASES, first=30)
    received = [datetime.fromisoformat(edge["node"]["receivedAt"]) for edge in data["cases"]["edges"]]
    assert received == sorted(received, reverse=True)
    assert data["cases"]["pageInfo"]["hasPreviousPage"] is False
    assert data["cases"]["pageInfo"]["startCursor"] == data["cases"]["edges"][0]["cursor"]


async def test_filters_combine(context: Context, demo: Dataset) -> None:
    cases = _cases(demo)
    task_codes = {row[0]: row[1] for row in demo.rows["task_type"]}
    expected = {
        row["receipt_no"]
        for row in cases
        if task_codes[row["task_type_id"]] == "BLD-PMT" and row["status"] in ("completed", "rejected")
    }

    nodes = await _all_pages(context, filter={"taskTypeCode": "BLD-PMT", "status": ["COMPLETED", "REJECTED"]})

    assert {node["receiptNo"] for node in nodes} == expected
    assert expected, "the fixture has such cases"


async def test_department_filter_includes_units_below(context: Context, demo: Dataset) -> None:
    departments = {row[0]: row for row in demo.rows["department"]}
    bureau_id = next(row[0] for row in demo.rows["department"] if row[3] == "bureau")
    bureau_path = departments[bureau_id][5]
    expected = {
        row["receipt_no"] for row in _cases(demo) if departments[row["department_id"]][5].startswith(bureau_path)
    }

    nodes = await _all_pages(context, filter={"departmentId": global_id("Department", bureau_id)})
    direct = await execute(
        context, CASES, filter={"departmentId": global_id("Department", bureau_id), "includeSubdepartments": False}
    )

    assert {node["receiptNo"] for node in nodes} == expected
    assert direct["cases"]["totalCount"] == 0, "cases are handled by teams, not by the bureau itself"


async def test_received_range_and_officer_filters(context: Context, demo: Dataset) -> None:
    step_columns = ROW_TYPES["step"]._fields
    officer_id = demo.rows["step"][0][step_columns.index("officer_id")]
    case_ids = {
        row[step_columns.index("case_id")]
        for row in demo.rows["step"]
        if row[step_columns.index("officer_id")] == officer_id
    }
    start, end = datetime(2026, 1, 1).astimezone(), datetime(2026, 7, 1).astimezone()
    expected = {
        row["receipt_no"] for row in _cases(demo) if row["id"] in case_ids and start <= row["received_at"] < end
    }

    nodes = await _all_pages(
        context,
        filter={
            "officerId": global_id("Officer", officer_id),
            "receivedFrom": start.isoformat(),
            "receivedTo": end.isoformat(),
        },
    )

    assert {node["receiptNo"] for node in nodes} == expected


async def test_overdue_now_and_due_range(context: Context, demo: Dataset) -> None:
    """`overdueNow` splits the list in two: cases running past their deadline now, and the rest (closed late and
    awaiting supplements among them, though `isOverdue` holds for those)."""
    now = datetime.now().astimezone()
    cases = _cases(demo)
    running = {"received", "in_progress"}
    overdue = {row["receipt_no"] for row in cases if row["status"] in running and row["due_at"] < now}
    assert overdue
    assert len(overdue) < len(cases)
    found = await _all_pages(context, filter={"overdueNow": True})
    assert {node["receiptNo"] for node in found} == overdue
    others = await execute(context, CASES, first=1, filter={"overdueNow": False})
    assert others["cases"]["totalCount"] == len(cases) - len(overdue)

    start, end = now - timedelta(days=30), now + timedelta(days=30)
    due = {row["receipt_no"] for row in cases if start <= row["due_at"] < end}
    both = {row["receipt_no"] for row in cases if row["receipt_no"] in due and row["receipt_no"] in overdue}
    assert both
    assert both != due
    in_range = await _all_pages(context, filter={"dueFrom": start.isoformat(), "dueTo": end.isoformat()})
    assert {node["receiptNo"] for node in in_range} == due
    late_in_range = {"dueFrom": start.isoformat(), "dueTo": end.isoformat(), "overdueNow": True}
    assert {node["receiptNo"] for node in await _all_pages(context, filter=late_in_range)} == both


async def test_total_count_matches_the_filter(context: Context, demo: Dataset) -> None:
    open_count = sum(1 for row in _cases(demo) if row["status"] == "in_progress")
    data = await execute(context, CASES, first=1, filter={"status": ["IN_PROGRESS"]})
    assert data["cases"]["totalCount"] == open_count


async def test_unknown_task_type_code_matches_nothing(context: Context) -> None:
    data = await execute(context, CASES, filter={"taskTypeCode": "NO-SUCH"})
    assert data["cases"]["totalCount"] == 0
    assert data["cases"]["edges"] == []
