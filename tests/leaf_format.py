"""Every ledger leaf any test wrote, checked against the published leaf format of its version
(docs/ledger/leaf-v<v>.schema.json) when its database is dropped: the seeded history and every event the suite's
mutations and rounds appended."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs

from ledger.leaf import VERSION

FORMATS = Path(__file__).resolve().parents[1] / "docs" / "ledger"
# Every version ever published, each a schema of its own; leaves keep the version they were hashed with.
SCHEMAS = {version: FORMATS / f"leaf-v{version}.schema.json" for version in range(1, VERSION + 1)}
SCHEMA = SCHEMAS[VERSION]


@dataclass
class LeafFormat:
    validators: dict[int, Any] = field(
        default_factory=lambda: {
            version: jsonschema_rs.validator_for(json.loads(path.read_text())) for version, path in SCHEMAS.items()
        }
    )
    checked: int = 0
    types: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def database(self, name: str, leaves: list[bytes]) -> None:
        for leaf in leaves:
            value = json.loads(leaf)
            self.checked += 1
            self.types.add(str(value.get("type")))
            validator = self.validators.get(value.get("v"))
            if validator is None:
                self.failures.append(f"{name} leaf of event {value.get('seq')}: no published version {value.get('v')}")
                continue
            errors = [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(value)]
            if errors:
                self.failures.append(f"{name} leaf of event {value.get('seq')}: {'; '.join(errors[:3])}")


LEAVES = LeafFormat()
