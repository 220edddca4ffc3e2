"""CORS: the API answers pages on other origins (any, by default; the configured ones otherwise), the page does not."""

from collections.abc import AsyncIterator

import httpx
import pytest

from openproc.app import create_app
from openproc.cors import APICORSMiddleware
from openproc.settings import Settings
from seed.generator import Dataset

ELSEWHERE = "https://civic-dashboard.example"
ALLOWED = "https://city.example"
API_PATHS = ["/graphql", "/open311/v2/services.json", "/exports/blds/permits.csv", "/ledger/checkpoint"]
TASK_TYPES = "{ taskTypes { code } }"


def preflight(origin: str, method: str = "POST", headers: str = "content-type, authorization") -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": method, "access-control-request-headers": headers}


def listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


@pytest.fixture(scope="module")
async def restricted(database_url: str, demo: Dataset) -> AsyncIterator[httpx.AsyncClient]:
    """An app that lets two origins in, and one anonymous request a minute per client."""
    settings = Settings(
        db_pool_size=2, cors_allow_origins=f"{ALLOWED}, https://ministry.example", rate_anonymous_per_minute=1
    )
    app = create_app(database_url, settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        await app.state.limiter.reset()
        yield http


@pytest.mark.parametrize("path", API_PATHS)
async def test_a_preflight_from_any_origin_is_answered(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(path, headers=preflight(ELSEWHERE))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["access-control-allow-methods"].split(",")}
    assert {"content-type", "authorization"} <= listed(response.headers["access-control-allow-headers"])
    assert "access-control-allow-credentials" not in response.headers


async def test_reads_carry_the_allow_origin_header(client: httpx.AsyncClient, demo: Dataset) -> None:
    posted = await client.post("/graphql", json={"query": TASK_TYPES}, headers={"origin": ELSEWHERE})
    fetched = await client.get("/graphql", params={"query": TASK_TYPES}, headers={"origin": ELSEWHERE})
    services = await client.get("/open311/v2/services.json", headers={"origin": ELSEWHERE})
    export = await client.get("/exports/blds/permit_status.json", headers={"origin": ELSEWHERE})

    for response in (posted, fetched, services, export):
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
        assert {"retry-after", "x-request-id"} <= listed(response.headers["access-control-expose-headers"])
    assert "content-disposition" in listed(export.headers["access-control-expose-headers"])
    assert len(posted.json()["data"]["taskTypes"]) == len(demo.rows["task_type"])


async def test_the_page_is_not_shared_with_other_origins(client: httpx.AsyncClient) -> None:
    page = await client.get("/", headers={"origin": ELSEWHERE})
    asked = await client.options("/", headers=preflight(ELSEWHERE, "GET"))

    assert page.status_code == 200
    assert "access-control-allow-origin" not in page.headers
    assert "access-control-allow-origin" not in asked.headers


async def test_only_configured_origins_are_let_in(restricted: httpx.AsyncClient) -> None:
    allowed = await restricted.get("/ledger/key", headers={"origin": ALLOWED})
    other = await restricted.get("/ledger/key", headers={"origin": ELSEWHERE})
    asked = await restricted.options("/open311/v2/services.json", headers=preflight(ELSEWHERE, "GET"))

    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "origin" in listed(allowed.headers["vary"])
    # The answer itself is public; only a browser script on another origin is kept from reading it.
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers
    assert asked.status_code == 400
    assert "access-control-allow-origin" not in asked.headers
    assert "access-control-allow-credentials" not in allowed.headers


async def test_preflights_are_not_counted_and_refusals_stay_readable(restricted: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert (await restricted.options("/graphql", headers=preflight(ALLOWED))).status_code == 200
    first = await restricted.post("/graphql", json={"query": TASK_TYPES}, headers={"origin": ALLOWED})
    second = await restricted.post("/graphql", json={"query": TASK_TYPES}, headers={"origin": ALLOWED})

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.headers["access-control-allow-origin"] == ALLOWED
    assert "retry-after" in second.headers
    assert "retry-after" in listed(second.headers["access-control-expose-headers"])


def test_credentials_are_never_allowed_for_every_origin() -> None:
    async def app(*_: object) -> None: ...

    with pytest.raises(ValueError, match="CORS_ALLOW_ORIGINS"):
        APICORSMiddleware(app, "*", allow_credentials=True)
    assert Settings.model_fields["cors_allow_credentials"].default is False
