"""The published leaf format (docs/ledger.md, docs/ledger/leaf-v1.schema.json) describes the leaves: every seeded
event type here, and every leaf any test database holds when it is dropped (tests/leaf_format.py)."""

import json

from models import EventType
from seed.generator import Dataset
from tests.helpers import Officers
from tests.leaf_format import SCHEMA, LeafFormat


async def test_every_seeded_leaf_follows_the_published_format(database_url: str, demo: Dataset) -> None:
    rows = await Officers(database_url).fetch("SELECT leaf FROM ledger_leaf ORDER BY leaf_index")
    check = LeafFormat()
    check.database("demo", [row["leaf"] for row in rows])
    assert check.failures == []
    assert check.checked == len(demo.rows["event"])
    assert check.checked > 1_000


def test_the_format_names_every_event_type() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert set(schema["properties"]["type"]["enum"]) == {member.value for member in EventType}
    assert {f"payload_{member.value}" for member in EventType} <= set(schema["$defs"])
