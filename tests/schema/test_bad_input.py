"""Bad input gets a clear, typed GraphQL error (HTTP 200, code BAD_USER_INPUT), never a 500."""

import base64
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from resolvers.pagination import encode_cursor
from schema.cost import MAX_DEPTH
from tests.helpers import global_id, post, post_expecting_errors

CASES = """
query Cases($filter: CaseFilter, $orderBy: CaseOrderBy! = RECEIVED_AT_DESC, $first: Int, $after: String) {
  cases(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { edges { node { id } } }
}
"""
NODE = "query Node($id: ID!) { node(id: $id) { id } }"
DEPARTMENT = "query Department($id: ID!) { department(id: $id) { name } }"


def _single(errors: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    ("variables", "argument", "words"),
    [
        ({"first": 101}, "first", "between 0 and 100"),
        ({"first": -1}, "first", "between 0 and 100"),
        ({"after": "not a cursor"}, "after", "not a cursor"),
        (
            {"after": base64.urlsafe_b64encode(b'["DUE_AT_ASC","2026-01-01T00:00:00+00:00",1]').decode()},
            "after",
            "not a cursor of this list in this order",
        ),
        (
            {"filter": {"departmentId": global_id("Officer", 1)}},
            "filter.departmentId",
            "must be the ID of a Department",
        ),
        ({"filter": {"officerId": global_id("Officer", "x")}}, "filter.officerId", "not the ID of an existing object"),
        (
            {"filter": {"receivedFrom": "2026-02-01T00:00:00+09:00", "receivedTo": "2026-01-01T00:00:00+09:00"}},
            "filter.receivedTo",
            "later than",
        ),
        (
            {"filter": {"dueFrom": "2026-02-01T00:00:00+09:00", "dueTo": "2026-02-01T00:00:00+09:00"}},
            "filter.dueTo",
            "later than",
        ),
    ],
)
async def test_bad_list_arguments(
    client: httpx.AsyncClient, variables: dict[str, Any], argument: str, words: str
) -> None:
    error = _single(await post_expecting_errors(client, CASES, **variables))

    assert words in error["message"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


async def test_malformed_global_id_is_a_coercion_error(client: httpx.AsyncClient) -> None:
    error = _single(await post_expecting_errors(client, NODE, id="%%%"))
    assert "GlobalID" in error["message"] or "ID" in error["message"]


async def test_global_id_of_unknown_type(client: httpx.AsyncClient) -> None:
    error = _single(await post_expecting_errors(client, NODE, id=global_id("Applicant", 1)))
    assert "Applicant" in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_id_of_the_wrong_type(client: httpx.AsyncClient) -> None:
    error = _single(await post_expecting_errors(client, DEPARTMENT, id=global_id("Case", 1)))
    assert error["message"] == "id: must be the ID of a Department, got one of a Case"


async def test_unknown_field_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ cases { applicant } }"})
    assert response.status_code == 200
    error = _single(response.json()["errors"])
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_malformed_variables_are_reported_not_masked(client: httpx.AsyncClient) -> None:
    query = "query($filter: CaseFilter) { cases(filter: $filter) { totalCount } }"
    error = _single(await post_expecting_errors(client, query, filter={"nope": 1}))
    assert "nope" in error["message"]
    assert error["extensions"]["code"] != "INTERNAL"


def _levels(count: int) -> str:
    """`{ departments { parent { … { name } } } }`: `count` fields on the path from the root to the leaf."""
    return "{ departments { " + "parent { " * (count - 2) + "name" + " }" * (count - 2) + " } }"


async def test_depth_is_limited_exactly(client: httpx.AsyncClient) -> None:
    await post(client, _levels(MAX_DEPTH))
    error = _single(await post_expecting_errors(client, _levels(MAX_DEPTH + 1)))
    assert error["message"] == f"The operation is {MAX_DEPTH + 1} fields deep; at most {MAX_DEPTH} are allowed"
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_valid_request_after_errors_still_works(client: httpx.AsyncClient) -> None:
    data = await post(client, CASES, first=1)
    assert len(data["cases"]["edges"]) == 1


async def test_unexpected_errors_are_masked_and_logged(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A real fault (the database is gone) reaches the client as a generic error, and the log as a traceback."""
    from sqlalchemy.engine import make_url

    from openproc.app import create_app
    from openproc.settings import Settings

    missing = make_url(database_url).set(database="openproc_missing_db").render_as_string(hide_password=False)
    app = create_app(missing, Settings(db_pool_size=4))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as broken,
    ):
        response = await broken.post("/graphql", json={"query": '{ case(receiptNo: "x") { id } }'})

    body = response.json()
    assert response.status_code == 200
    assert body["errors"][0]["message"].startswith("Unexpected error.")
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL", "requestId": response.headers["x-request-id"]}
    assert "openproc_missing_db" not in response.text
    assert "asyncpg" not in response.text
    assert any(record.exc_info and "openproc_missing_db" in str(record.exc_info[1]) for record in caplog.records)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_001, "nests too deep"),
        (b"[" * 200_000 + b"]" * 200_000, "nests too deep"),
        (b'{"query": "{ __typename \xff\xfe }"}', "not UTF-8"),
    ],
)
async def test_unreadable_json_is_a_bad_request_not_a_500(client: httpx.AsyncClient, body: bytes, message: str) -> None:
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_unreadable_variables_over_get_are_a_bad_request(client: httpx.AsyncClient) -> None:
    nested = '{"a":' * 3_000 + "1" + "}" * 3_000  # deeper than Python's parser recurses, short enough for a URL
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": nested})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_instants_and_cursors_beyond_what_the_database_holds_are_refused_as_input(
    client: httpx.AsyncClient,
) -> None:
    # 0001-01-01T00:00+09:00 is in year 0 in UTC; an id beyond BIGINT is no row's.
    early = await post_expecting_errors(
        client,
        "query($from: DateTime) { cases(filter: {receivedFrom: $from}) { totalCount } }",
        **{"from": "0001-01-01T00:00:00+09:00"},
    )
    assert "outside the years 1 to 9999" in early[0]["message"]
    assert early[0]["extensions"]["code"] != "INTERNAL"
    cursor = encode_cursor("RECEIVED_AT_DESC", datetime(2026, 1, 1, tzinfo=UTC), 2**70)
    (error,) = await post_expecting_errors(
        client, "query($after: String) { cases(first: 1, after: $after) { totalCount } }", after=cursor
    )
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == ("BAD_USER_INPUT", "after")
