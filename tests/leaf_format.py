"""Every ledger leaf any test wrote, checked against the published leaf format (docs/ledger/leaf-v1.schema.json)
when its database is dropped: the seeded history and every event the suite's mutations and rounds appended."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "ledger" / "leaf-v1.schema.json"


@dataclass
class LeafFormat:
    validator: Any = field(default_factory=lambda: jsonschema_rs.validator_for(json.loads(SCHEMA.read_text())))
    checked: int = 0
    types: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def database(self, name: str, leaves: list[bytes]) -> None:
        for leaf in leaves:
            value = json.loads(leaf)
            self.checked += 1
            self.types.add(str(value.get("type")))
            errors = [f"{error.instance_path}: {error.message}" for error in self.validator.iter_errors(value)]
            if errors:
                self.failures.append(f"{name} leaf of event {value.get('seq')}: {'; '.join(errors[:3])}")


LEAVES = LeafFormat()
