"""Persisted queries (Apollo's APQ, version 1) over GET and POST, and the HTTP validators of GET answers: an
unknown hash is asked for, a wrong one refused, a known one answered as the document would be (by the compiled
path for case reads); a GET answer carries a strong ETag and, when anonymous and error-free, `public, max-age`;
naming its ETag gets 304 until an event changes the answer."""

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bench.queries import CASE_DETAIL
from openproc.app import create_app
from openproc.settings import Settings
from tests.helpers import Officers, bearer
from tests.schema.mutations.workflow import SIGN, Desk, db_id

MAX_AGE = 30
SHA = hashlib.sha256(CASE_DETAIL.encode()).hexdigest()


def persisted(sha256: str = SHA, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256}}


def by_hash(receipt_no: str, sha256: str = SHA) -> dict[str, str]:
    """The GET parameters of the case detail by its hash: JSON-encoded values, as Apollo's clients send them."""
    return {"variables": json.dumps({"receiptNo": receipt_no}), "extensions": json.dumps(persisted(sha256))}


@pytest.fixture
async def served(write_url: str) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(write_url, Settings(db_pool_size=2, http_cache_max_age_s=MAX_AGE, max_in_flight=0))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield app, http


async def test_a_hash_is_asked_for_once_then_answered_over_get(
    served: tuple[Starlette, httpx.AsyncClient], officers: Officers
) -> None:
    app, http = served
    desk = Desk(http, officers)
    receipt_no = (await desk.register())["case"]["receiptNo"]

    unknown = await http.get("/graphql", params=by_hash(receipt_no))
    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"

    plain = await http.post("/graphql", json={"query": CASE_DETAIL, "variables": {"receiptNo": receipt_no}})
    registered = await http.post(
        "/graphql", json={"query": CASE_DETAIL, "variables": {"receiptNo": receipt_no}, "extensions": persisted()}
    )
    assert registered.json() == plain.json()
    assert plain.json()["data"]["case"]["receiptNo"] == receipt_no

    answered = app.state.reads.answered
    by_get = await http.get("/graphql", params=by_hash(receipt_no))
    assert by_get.status_code == 200
    assert by_get.json() == plain.json()
    assert app.state.reads.answered == answered + 1, "the compiled path answered the GET"
    by_post = await http.post("/graphql", json={"variables": {"receiptNo": receipt_no}, "extensions": persisted()})
    assert by_post.json() == plain.json()


@pytest.mark.parametrize(
    ("request_body", "status", "code"),
    [
        ({"query": "{ __typename }", "extensions": persisted()}, 400, "BAD_REQUEST"),  # not that document's hash
        ({"extensions": persisted("ABC")}, 400, "BAD_REQUEST"),
        ({"extensions": persisted(version=2)}, 400, "PERSISTED_QUERY_NOT_SUPPORTED"),
    ],
)
async def test_a_wrong_hash_or_version_is_refused_and_remembers_nothing(
    served: tuple[Starlette, httpx.AsyncClient], request_body: dict[str, Any], status: int, code: str
) -> None:
    _, http = served
    refused = await http.post("/graphql", json=request_body)
    assert (refused.status_code, refused.json()["errors"][0]["extensions"]["code"]) == (status, code)
    after = await http.post("/graphql", json={"extensions": persisted(hashlib.sha256(b"{ __typename }").hexdigest())})
    assert after.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_get_answers_are_validated_by_etag_until_an_event_changes_them(
    served: tuple[Starlette, httpx.AsyncClient], officers: Officers
) -> None:
    _, http = served
    desk = Desk(http, officers)
    case = (await desk.register())["case"]
    receipt_no, first = case["receiptNo"], case["steps"][0]
    await http.post("/graphql", json={"query": CASE_DETAIL, "extensions": persisted(), "variables": {"receiptNo": "x"}})

    answer = await http.get("/graphql", params=by_hash(receipt_no))
    tag = answer.headers["etag"]
    assert tag == f'"{hashlib.sha256(answer.content).hexdigest()}"'
    assert answer.headers["cache-control"] == f"public, max-age={MAX_AGE}"
    assert {"Accept", "Authorization"} <= {name.strip() for name in answer.headers["vary"].split(",")}
    same = await http.get("/graphql", params=by_hash(receipt_no), headers={"if-none-match": f'W/{tag}, "other"'})
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", tag)

    await desk.ok(SIGN, db_id(first["officer"]["id"]), input={"stepId": first["id"]})
    changed = await http.get("/graphql", params=by_hash(receipt_no), headers={"if-none-match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert changed.json()["data"]["case"]["steps"][0]["status"] == "SIGNED"


async def test_what_a_token_or_an_error_answers_is_not_stored(
    served: tuple[Starlette, httpx.AsyncClient], officers: Officers
) -> None:
    _, http = served
    officer = int((await officers.fetch("SELECT id FROM officer LIMIT 1"))[0][0])
    query = {"query": "{ __typename }"}
    private = await http.get("/graphql", params=query, headers=bearer(await officers.token(officer)))
    assert private.headers["cache-control"] == "no-store"
    failed = await http.get("/graphql", params={"query": "{ nope }"})
    assert failed.headers["cache-control"] == "no-store"
    mutation = await http.get(
        "/graphql", params={"query": 'mutation { recordCaseView(receiptNo: "x") { __typename } }'}
    )
    # Refused before anything runs (Strawberry answers 400; the GraphQL-over-HTTP draft asks for 405).
    assert mutation.status_code == 400
    assert "GET" in mutation.text
