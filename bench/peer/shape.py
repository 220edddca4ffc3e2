"""One shape for the answers of OPEN, PostGraphile and the asyncpg baseline, so that they can be compared.

The shape is OPEN's (its field names, lists unwrapped from connections), with the values that legitimately
differ in format brought to one form: instants as UTC ISO strings (OPEN presents Seoul time, PostGraphile the
session's zone, both with their own fraction digits), enum values in lower case (OPEN's `IN_PROGRESS` is the
column's `in_progress`), and the case ID as its row number (OPEN's is a Relay global ID, PostGraphile's `rowId`
is the column). Everything else must be equal as it is.
"""

import base64
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

INSTANTS = frozenset({"receivedAt", "dueAt", "closedAt", "startedAt", "signedAt"})
ENUMS = frozenset({"status"})


class Query(StrEnum):
    CASE_DETAIL = "case detail"
    CASE_LIST = "50-case list"


class Dialect(StrEnum):
    """Whose field names an answer uses; the baseline answers in OPEN's."""

    OPEN = "open"
    POSTGRAPHILE = "postgraphile"


def normalise(query: Query, dialect: Dialect, data: dict[str, Any]) -> Any:
    """The `data` of an answer to `query`, in the one shape every server's answer is compared in."""
    if query is Query.CASE_DETAIL:
        case = _open_case(data["case"]) if dialect is Dialect.OPEN else _postgraphile_case(data["caseByReceiptNo"])
        return _values(case)
    if dialect is Dialect.OPEN:
        nodes = [edge["node"] for edge in data["cases"]["edges"]]
    else:
        nodes = [{**node, "steps": node["steps"]["nodes"]} for node in data["cases"]["nodes"]]
    return _values(nodes)


def first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """Where two normalised answers first differ, with both values; None when they are equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            if key not in expected or key not in actual:
                return f"{path}.{key}: only in {'the first' if key in expected else 'the second'}"
            if found := first_difference(expected[key], actual[key], f"{path}.{key}"):
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items against {len(actual)}"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            if found := first_difference(left, right, f"{path}[{index}]"):
                return found
        return None
    return None if expected == actual else f"{path or '.'}: {expected!r} against {actual!r}"


def _open_case(case: dict[str, Any] | None) -> dict[str, Any] | None:
    if case is None:
        return None
    type_name, _, row_id = base64.b64decode(case["id"]).decode().partition(":")
    assert type_name == "Case", f"not a case ID: {case['id']}"
    return {**case, "id": int(row_id)}


def _postgraphile_case(case: dict[str, Any] | None) -> dict[str, Any] | None:
    if case is None:
        return None
    task_type = dict(case["taskType"])
    links = task_type.pop("taskTypeLegalReferences")["nodes"]
    task_type["legalReferences"] = [link["legalReference"] for link in links]
    fields = {key: value for key, value in case.items() if key != "rowId"}
    return {"id": case["rowId"], **fields, "taskType": task_type, "steps": case["steps"]["nodes"]}


def _values(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {field: _values(item, field) for field, item in value.items()}
    if isinstance(value, list):
        items = [_values(item) for item in value]
        # Order is part of the contract everywhere except here (see bench/queries.py): (law, article) is unique.
        return sorted(items, key=lambda ref: (ref["law"], ref["article"])) if key == "legalReferences" else items
    if value is None:
        return None
    if key in INSTANTS:
        return datetime.fromisoformat(value).astimezone(UTC).isoformat()
    if key in ENUMS:
        return str(value).lower()
    return value
