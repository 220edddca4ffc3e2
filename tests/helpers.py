"""Helpers shared by tests: GraphQL calls that fail on unexpected errors, and a statement counter."""

import re
from typing import Any

import httpx
from strawberry.relay import to_base64

from resolvers.context import Context
from schema import schema

FIRST_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?')


class StatementCounter:
    """A `before_cursor_execute` listener that records every SQL statement sent."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)

    def touching(self, table: str) -> int:
        """Statements whose FROM names `table` first."""
        return sum(1 for sql in self.statements if (found := FIRST_TABLE.search(sql)) and found[1] == table)


async def execute(context: Context, query: str, **variables: Any) -> dict[str, Any]:
    """Run an operation through the schema; any error fails the test."""
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def post(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST an operation over HTTP; any error fails the test."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def post_expecting_errors(client: httpx.AsyncClient, query: str, **variables: Any) -> list[dict[str, Any]]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert body.get("errors"), f"expected errors, got {body}"
    errors: list[dict[str, Any]] = body["errors"]
    return errors


def global_id(type_name: str, row_id: int | str) -> str:
    return to_base64(type_name, row_id)
