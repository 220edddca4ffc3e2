"""Schemathesis (GraphQL mode) over every query and mutation, anonymously and as officers.

Every answer must be a GraphQL response (no 5xx), every error a known, typed one — the masked "Unexpected error"
counts as a failure too, since it means a bug — and no answer may show a traceback, SQL or a Python class.

Schemathesis generates the operations; they are sent through httpx to the app running in the test session's
event loop (Schemathesis's own ASGI client would start a second copy of the app on another loop, where the
session's database pool cannot go). Hypothesis runs in a worker thread and hands each request to that loop.
"""

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from schemathesis.config import SchemathesisConfig
from schemathesis.graphql.loaders import get_introspection_query
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from strawberry.relay import to_base64

from openproc.app import create_app
from openproc.settings import Settings
from resolvers.rate_limit import Budget
from schema.errors import MASKED_MESSAGE
from tests.conftest import fresh_database, load_demo
from tests.helpers import Officers, bearer
from tests.privacy_scan import RECORDER

# Per operation and caller: 44 operations × 3 callers × 15 examples take about a minute on two cores.
EXAMPLES = 15
# Every code ErrorPolicy gives an expected error (schema/errors.py), besides INTERNAL, which is a bug.
KNOWN_CODES = {
    "BAD_USER_INPUT",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "RATE_LIMITED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_REQUEST",
}
INTERNALS = re.compile(
    r"Traceback \(most recent call last\)|File \"/|\b(?:sqlalchemy|asyncpg|psycopg|strawberry|graphql)\.\w"
    r"|\bSELECT\b[^\"]{0,200}\bFROM\b|\bINSERT INTO\b|\bUPDATE\b[^\"]{0,100}\bSET\b|<class '|object at 0x"
)
# In error messages only: the data may rightly carry a GraphQL type name such as WorkflowError.
PYTHON_CLASS = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b")
# NUL characters included: schema/forbidden_text.py must refuse them with BAD_USER_INPUT (they once reached PostgreSQL).
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-x00": True}})
NODE_TYPES = (
    "Case",
    "Delay",
    "Department",
    "Document",
    "Event",
    "LegalReference",
    "Officer",
    "Opinion",
    "ScheduledAction",
    "Step",
    "StepTemplate",
    "TaskType",
)


@dataclass
class Findings:
    sent: int = 0
    # Answers without errors: a run where every query bounced off validation would prove nothing.
    answered: int = 0
    # Answers refusing the caller for want of a sign-in: expected for every officer's operation sent anonymously.
    unauthenticated: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
async def fuzz_url(as_of: datetime) -> AsyncIterator[str]:
    """A writable demo database of the fuzz run's own: the operations it sends change cases, steps and
    opinions at random, which other tests of the shared writable database would trip over."""
    async for url in fresh_database("fuzz"):
        await load_demo(url, as_of)
        first = await Officers(url).fetchval('SELECT coalesce(max(id), 0) + 1 FROM "case"')
        RECORDER.generated_from[make_url(url).database or ""] = int(first)
        yield url


@pytest.fixture(scope="module")
async def fuzz_app(fuzz_url: str) -> AsyncIterator[Starlette]:
    app = create_app(
        fuzz_url, Settings(db_pool_size=4, rate_anonymous_per_minute=10**9, rate_signings_per_minute=10**9)
    )
    # Budgets out of reach for this app only: a refusal for speed would hide what the operation does.
    limiter = app.state.limiter
    limiter.local.budgets = {bucket: Budget(requests=10**9, seconds=60) for bucket in limiter.local.budgets}
    async with app.router.lifespan_context(app):
        yield app


async def _register_values(url: str) -> None:
    """Real IDs, receipt numbers and codes beside random text, so operations reach past 'not found'."""
    officers = Officers(url)
    ids = [to_base64(kind, number) for kind in NODE_TYPES for number in (1, 2, 3, 5, 8, 13, 21)]
    receipts = [row[0] for row in await officers.fetch('SELECT receipt_no FROM "case" ORDER BY id LIMIT 20')]
    codes = [row[0] for row in await officers.fetch("SELECT code FROM task_type ORDER BY id")]
    texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
    schemathesis.graphql.scalar("ID", st.one_of(st.sampled_from(ids), texts).map(nodes.String))
    schemathesis.graphql.scalar("String", st.one_of(st.sampled_from(receipts + codes), texts).map(nodes.String))
    schemathesis.graphql.scalar(
        "JSON",
        st.one_of(texts.map(nodes.String), st.integers(-(2**31), 2**31 - 1).map(nodes.Int), st.just(nodes.Object([]))),
    )


def _check(status: int, text: str) -> list[str]:
    if status >= 500:
        return [f"HTTP {status}"]
    problems = []
    if INTERNALS.search(text):
        problems.append(f"internals in the response: {INTERNALS.search(text)}")
    try:
        body = json.loads(text)
    except ValueError:
        return [*problems, "not JSON"]
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        return [*problems, "neither data nor errors"]
    for error in body.get("errors") or []:
        message, code = str(error.get("message")), (error.get("extensions") or {}).get("code")
        if message == MASKED_MESSAGE or code == "INTERNAL":
            problems.append(f"unexpected error (masked) at {error.get('path')}")
        elif code not in KNOWN_CODES:
            problems.append(f"unknown error code {code!r}: {message}")
        if PYTHON_CLASS.search(message):
            problems.append(f"a Python class in an error message: {message}")
    return problems


def _tally(findings: Findings, text: str) -> None:
    try:
        body = json.loads(text)
    except ValueError:
        return
    errors = body.get("errors") if isinstance(body, dict) else None
    findings.answered += not errors
    codes = [str((error.get("extensions") or {}).get("code")) for error in errors or []]
    findings.unauthenticated += "UNAUTHENTICATED" in codes
    findings.codes.update(codes)


def _examples(operation: Any, send: Callable[[str], tuple[int, str]], findings: Findings, caller: str) -> Any:
    """One operation's Hypothesis run, checking every answer."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        # Finding the failures is enough: each is reported with its query; shrinking would double the time.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        status, text = send(case.body)
        findings.sent += 1
        _tally(findings, text)
        findings.problems += [
            f"{caller} {operation.label}: {problem}\n  query: {case.body}\n  response: {text[:500]}"
            for problem in _check(status, text)
        ]

    return run


def _fuzz(schema: Any, send: Callable[[str], tuple[int, str]], findings: Findings, caller: str) -> None:
    """Every operation, one Hypothesis run each; runs in a worker thread."""
    for result in schema.get_all_operations():
        operation = result.ok()
        _examples(operation, send, findings, caller)()


@pytest.mark.parametrize("caller", ["anonymous", "officer", "supervisor"])
async def test_no_operation_fails_unexpectedly(fuzz_app: Starlette, fuzz_url: str, caller: str) -> None:
    # Given the app on its own writable demo database, and a caller: nobody, an officer holding open steps,
    # or a supervisor
    officers = Officers(fuzz_url)
    await _register_values(fuzz_url)
    headers: dict[str, str] = {}
    if caller == "officer":
        holder = await officers.fetchval(
            "SELECT s.officer_id FROM step s JOIN officer o ON o.id = s.officer_id WHERE o.role = 'officer' "
            "AND s.status IN ('pending', 'in_progress') GROUP BY s.officer_id ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        headers = bearer(await officers.token(int(holder)))
    elif caller == "supervisor":
        supervisor = await officers.fetchval("SELECT id FROM officer WHERE role = 'supervisor' ORDER BY id LIMIT 1")
        headers = bearer(await officers.token(int(supervisor)))
    loop = asyncio.get_running_loop()
    findings = Findings()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fuzz_app), base_url="http://testserver", headers=headers
    ) as http:
        introspection = (await http.post("/graphql", json={"query": get_introspection_query()})).json()
        schema = schemathesis.graphql.from_dict(introspection, config=CONFIG)

        async def post(query: str) -> tuple[int, str]:
            response = await http.post("/graphql", json={"query": query})
            return response.status_code, response.text

        def send(query: str) -> tuple[int, str]:
            return asyncio.run_coroutine_threadsafe(post(query), loop).result(timeout=60)

        # When Schemathesis sends its examples of every query and mutation
        started = time.perf_counter()
        await asyncio.to_thread(_fuzz, schema, send, findings, caller)
        elapsed = time.perf_counter() - started

    # Then none failed unexpectedly
    operations = sum(1 for _ in schema.get_all_operations())
    assert operations >= 40, "every query and mutation was fuzzed"
    assert findings.sent >= operations, f"only {findings.sent} requests"
    # Of what the caller may ask at all, a fifth at least gets an answer: the rest is refused as bad input.
    allowed = findings.sent - findings.unauthenticated
    assert findings.answered >= allowed // 5, f"only {findings.answered} of {allowed} answered without errors"
    print(
        f"\nfuzz as {caller}: {findings.sent} requests over {operations} operations in {elapsed:.1f} s, "
        f"{findings.answered} answered, errors by code {dict(findings.codes)}"
    )
    assert findings.problems == [], "\n".join(findings.problems[:20])
