"""Helpers shared by tests: GraphQL calls that fail on unexpected errors, and a statement counter."""

import os
import re
from typing import Any

import asyncpg
import httpx
from strawberry.relay import to_base64

from resolvers import auth
from resolvers.context import Context
from schema import schema
from seed import loader

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


class Officers:
    """Direct access to the writable test database: find officers and issue their tokens."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(loader.libpq(self.url))
        try:
            return await connection.fetch(query, *args)
        finally:
            await connection.close()

    async def fetchval(self, query: str, *args: Any) -> Any:
        rows = await self.fetch(query, *args)
        return rows[0][0] if rows else None

    async def token(self, officer_id: int, *, expires_in_days: float = 1) -> str:
        """A live token for the officer (or an expired one, with a negative number of days)."""
        token = auth.PREFIX + f"test-{officer_id}-" + os.urandom(8).hex()
        await self.fetch(
            "INSERT INTO officer_token (officer_id, token_hash, label, created_at, expires_at) "
            "VALUES ($1, $2, 'test', now(), now() + make_interval(secs => $3))",
            officer_id,
            auth.token_hash(token),
            expires_in_days * 86400,
        )
        return token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def call(client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    """POST an operation and return the whole body (data and errors)."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token) if token else {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


PHONE = re.compile(r"\d{2,3}-\d{3,4}-\d{4}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HANGUL_RUN = re.compile(r"[가-힣]+")


def leaked(secrets: set[str], corpus: str) -> list[str]:
    """The secrets that occur in `corpus`, found by shape (phones, e-mails, Hangul names) in one pass each,
    since thousands of substring searches over megabytes would take minutes."""
    found: set[str] = set(PHONE.findall(corpus)) | set(EMAIL.findall(corpus))
    for run in HANGUL_RUN.findall(corpus):
        for size in (2, 3, 4):
            found.update(run[i : i + size] for i in range(len(run) - size + 1))
    shaped = {
        secret
        for secret in secrets
        if PHONE.fullmatch(secret) or EMAIL.fullmatch(secret) or (HANGUL_RUN.fullmatch(secret) and len(secret) <= 4)
    }
    return sorted((secrets & found) | {secret for secret in secrets - shaped if secret in corpus})
