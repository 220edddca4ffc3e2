"""Relay Global Object Identification: every public object round-trips through node(id:)."""

import pytest

from resolvers.context import Context
from seed.generator import ROW_TYPES, Dataset
from tests.helpers import execute, global_id

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Case { receiptNo }
    ... on Step { name }
    ... on Officer { name }
    ... on Department { name }
    ... on TaskType { code }
    ... on StepTemplate { name }
    ... on LegalReference { article }
    ... on Document { title }
    ... on ScheduledAction { description }
  }
}
"""
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"

TYPES = {
    "Case": ("case", "receipt_no", "receiptNo"),
    "Step": ("step", "name", "name"),
    "Officer": ("officer", "name", "name"),
    "Department": ("department", "name", "name"),
    "TaskType": ("task_type", "code", "code"),
    "StepTemplate": ("step_template", "name", "name"),
    "LegalReference": ("legal_reference", "article", "article"),
    "ScheduledAction": ("scheduled_action", "description", "description"),
}


@pytest.mark.parametrize("type_name", sorted(TYPES))
async def test_node_round_trip(context: Context, demo: Dataset, type_name: str) -> None:
    table, column, field = TYPES[type_name]
    row = demo.rows[table][-1]
    node_id = global_id(type_name, row[0])

    data = await execute(context, NODE, id=node_id)

    assert data["node"]["__typename"] == type_name
    assert data["node"]["id"] == node_id
    assert data["node"][field] == row[ROW_TYPES[table]._fields.index(column)]


async def test_public_document_by_node_but_never_a_private_one(context: Context, demo: Dataset) -> None:
    public_column = ROW_TYPES["document"]._fields.index("is_public")
    public = next(row for row in demo.rows["document"] if row[public_column])
    private = next(row for row in demo.rows["document"] if not row[public_column])

    shown = await execute(context, NODE, id=global_id("Document", public[0]))
    hidden = await execute(context, NODE, id=global_id("Document", private[0]))

    assert shown["node"]["title"] == public[2]
    assert hidden["node"] is None


async def test_nodes_keep_order_and_mark_missing(context: Context, demo: Dataset) -> None:
    ids = [global_id("Officer", 2), global_id("Case", 1), global_id("Case", 10**8), global_id("Officer", 1)]

    data = await execute(context, NODES, ids=ids)

    assert [node and node["id"] for node in data["nodes"]] == [ids[0], ids[1], None, ids[3]]
