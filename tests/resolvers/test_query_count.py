"""N+1 guard: the number of SQL statements does not grow with the number of steps or cases returned."""

from openproc.settings import Settings
from resolvers.context import Context
from seed.generator import ROW_TYPES, Dataset
from tests.helpers import StatementCounter, execute
from tests.schema.test_case import CASE_DETAIL

# The case query, its task type, department (three nesting levels), steps, officers, legal references
# (two levels), documents and actions.
CASE_DETAIL_BOUND = 12
CASE_LIST_BOUND = 7

CASE_LIST = """
query Dashboard($status: [CaseStatus!], $after: String) {
  cases(filter: {status: $status}, first: 50, after: $after) {
    edges { node {
      receiptNo title status receivedAt dueAt
      taskType { code name }
      department { name }
      steps { sequence name status signedAt officer { name title department { name } } }
    } }
    pageInfo { endCursor hasNextPage }
  }
}
"""


def _step_counts(demo: Dataset) -> dict[str, int]:
    case_ids = {row[0]: row[1] for row in demo.rows["case"]}
    counts: dict[str, int] = {}
    for row in demo.rows["step"]:
        receipt_no = case_ids[row[ROW_TYPES["step"]._fields.index("case_id")]]
        counts[receipt_no] = counts.get(receipt_no, 0) + 1
    return counts


async def test_case_detail_statement_count_is_fixed(
    context: Context, engine: object, demo: Dataset, statements: StatementCounter
) -> None:
    counts = _step_counts(demo)
    shortest = min(counts, key=counts.__getitem__)
    longest = max(counts, key=counts.__getitem__)
    assert counts[longest] >= counts[shortest] + 4

    for receipt_no in (shortest, longest):
        statements.reset()
        await execute(Settings().context(context.sessions), CASE_DETAIL, receiptNo=receipt_no)

        # One batched statement per relation and nesting level, whatever the number of steps
        assert statements.count <= CASE_DETAIL_BOUND, statements.statements
        assert statements.touching("step") == 1
        # Officers are reached by three paths (step officer, signer, document registrar): at most a batch each.
        assert statements.touching("officer") <= 3


async def test_fifty_case_list_statement_count_is_fixed(context: Context, statements: StatementCounter) -> None:
    statements.reset()
    first = await execute(Settings().context(context.sessions), CASE_LIST, status=["COMPLETED"])
    first_count = statements.count
    assert len(first["cases"]["edges"]) == 50

    assert first_count <= CASE_LIST_BOUND, statements.statements
    assert statements.touching("step") == 1
    assert statements.touching("officer") == 1

    statements.reset()
    await execute(
        Settings().context(context.sessions),
        CASE_LIST,
        status=["COMPLETED"],
        after=first["cases"]["pageInfo"]["endCursor"],
    )
    assert statements.count == first_count
