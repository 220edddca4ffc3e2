"""The published leaf format (docs/ledger.md, docs/ledger/leaf-v2.schema.json) describes the leaves: every seeded
event type here, and every leaf any test database holds when it is dropped (tests/leaf_format.py)."""

import json
from pathlib import Path

import pytest

from models import EventType
from seed.generator import Dataset
from tests.helpers import Officers
from tests.leaf_format import SCHEMA, LeafFormat
from verifier import openproc_verify as independent

# A leaf of format version 1, as the docs showed it before version 2: hashed leaves keep their version for good.
VERSION_1 = (
    '{"actor":214,"case":18,"occurredAt":"2026-12-01T01:00:00+00:00","payload":{"actor":{"id":214,"name":'
    '"김민준","title":"주무관"},"case":{"dueAt":"2026-12-24T09:00:00+00:00","receiptNo":"2026-BLD-PMT-00018","s'
    'tatus":"in_progress"},"comment":null,"step":{"dueAt":"2026-12-03T09:00:00+00:00","name":"현장 확인","off'
    'icerId":214,"sequence":3,"status":"signed"}},"recordedAt":"2026-12-01T01:00:03.250000+00:00","seq":1'
    '7,"step":877,"type":"step_signed","v":1}'
).encode()


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


def test_a_version_1_leaf_keeps_its_format_and_verifies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    check = LeafFormat()
    check.database("version 1", [VERSION_1])
    assert (check.checked, check.failures) == (1, [])
    # The verifier encodes a served event again in the version its leaf was hashed with.
    served = {key: value for key, value in json.loads(VERSION_1).items() if key != "v"}
    monkeypatch.setattr(independent, "get_json", lambda server, path: {"events": [served]})
    verifier = independent.Verifier("http://127.0.0.1:1", "unused", tmp_path / "state.json")
    verifier.served_as_hashed(16, [VERSION_1])
    served["payload"]["comment"] = "적법"
    with pytest.raises(independent.Mismatch, match="differs"):
        verifier.served_as_hashed(16, [VERSION_1])
    with pytest.raises(independent.Mismatch, match="format version 3"):
        verifier.served_as_hashed(16, [VERSION_1.replace(b'"v":1', b'"v":3')])
