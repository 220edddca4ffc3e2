"""The HTTP surface: GraphQL over POST and GET, GraphiQL for browsers, a health probe."""

import logging

import httpx
import pytest

from tests.helpers import post

WATCH_EVENTS = "subscription { events { sequence type } }"


async def test_browsers_get_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_root_serves_the_public_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_queries_over_get_can_be_cached_by_proxies(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ taskTypes { code } }"})
    assert response.status_code == 200
    assert len(response.json()["data"]["taskTypes"]) == 54


async def test_korean_text_is_sent_as_utf8(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": '{ taskType(code: "BLD-PMT") { name } }'})
    assert "건축허가".encode() in response.content


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_introspection_is_public(client: httpx.AsyncClient) -> None:
    data = await post(client, "{ __schema { queryType { name } } }")
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_a_subscription_over_http_is_pointed_to_the_websocket(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        answers = [
            await client.post("/graphql", json={"query": WATCH_EVENTS}),
            await client.get("/graphql", params={"query": WATCH_EVENTS}, headers={"accept": "application/json"}),
        ]

    for answer in answers:
        # A request error in application/json: 200, as GraphQL over HTTP asks, with nothing executed.
        assert answer.status_code == 200
        [error] = answer.json()["errors"]
        assert answer.json().get("data") is None
        assert error["extensions"] == {"code": "BAD_REQUEST"}
        assert "graphql-transport-ws" in error["message"]
        assert "WebSocket" in error["message"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


async def test_the_page_and_every_answer_carry_the_browser_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    api = await client.post("/graphql", json={"query": "{ __typename }"})
    for answer in (page, api):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
