"""The published payload shapes (docs/ledger.md, docs/ledger/leaf-v2.schema.json) are the ones ledger/payloads.py
declares: the same members, required alike, at every depth, for every kind of event."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ledger import payloads
from models import EventType
from tests.leaf_format import SCHEMA

DOCS = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"
Tree = dict[str, Any] | str


def _shape(schema: dict[str, Any], defs: dict[str, Any]) -> Tree:
    """What a schema says about members only: per object its members (each with its own shape) and which are
    required; alternatives merged; anything that is not an object is "value"."""
    if "$ref" in schema:
        return _shape(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        shapes = [_shape(alternative, defs) for alternative in alternatives]
        objects = [shape for shape in shapes if shape != "value"]
        return objects[0] if len(objects) == 1 else ("value" if not objects else {"oneOf": objects})
    if "properties" in schema:
        return {
            "members": {name: _shape(member, defs) for name, member in schema["properties"].items()},
            "required": sorted(schema.get("required", [])),
        }
    if isinstance(schema.get("additionalProperties"), dict):
        return {"map of": _shape(schema["additionalProperties"], defs)}
    return "value"


def _declared(kind: type[payloads.Details]) -> Tree:
    """The payload the class produces: the actor, case and step every kind may carry, then the kind's members."""

    class Payload(kind):  # type: ignore[misc,valid-type]
        actor: payloads.OfficerShown | None
        case: payloads.CaseShown | None = None
        step: payloads.StepShown | None = None

    schema = Payload.model_json_schema(by_alias=True, mode="serialization")
    return _shape(schema, schema.get("$defs", {}))


PUBLISHED = json.loads(SCHEMA.read_text())


@pytest.mark.parametrize("kind", list(EventType), ids=str)
def test_the_published_payload_is_the_declared_one(kind: EventType) -> None:
    published = _shape(PUBLISHED["$defs"][f"payload_{kind.value}"], PUBLISHED["$defs"])
    assert published == _declared(payloads.KINDS[kind])


def test_the_docs_table_names_every_kind() -> None:
    table = DOCS.read_text().split("| type | further members |", 1)[1].split("\n\n", 1)[0]
    documented = {
        name
        for row in re.findall(r"^\| ([^|]+) \|", table, flags=re.MULTILINE)
        for name in re.findall(r"`([a-z_]+)`", row)
    }
    assert documented == {kind.value for kind in EventType}
