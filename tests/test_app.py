"""The HTTP surface: GraphQL over POST and GET, GraphiQL for browsers, a health probe."""

import httpx

from tests.helpers import post


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
