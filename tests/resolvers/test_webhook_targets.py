"""Webhooks reach public addresses only (server-side request forgery refused), unless the operator allows an
internal receiver; checked when registered and again, with the address pinned, at every delivery."""

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select, update
from starlette.applications import Starlette

from models import Event, Officer, Webhook
from openproc.app import create_app
from openproc.database import create_engine, create_sessionmaker
from openproc.settings import Settings
from resolvers.webhook_targets import TargetRefused, Targets
from resolvers.webhooks import deliver_due
from seed.generator import Dataset
from tests.conftest import fresh_database, load_demo
from tests.helpers import Officers, bearer
from tests.schema.mutations.test_webhooks import REGISTER_WEBHOOK, Receiver, receiving

INSIDE = [
    "127.0.0.1",  # Redis, PostgreSQL on the API's own machine
    "::1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "::ffff:127.0.0.1",  # loopback in IPv6 dress
    "fd00::1",
    "0.0.0.0",
]


@pytest.mark.parametrize("address", INSIDE)
def test_internal_addresses_are_refused_by_default(address: str) -> None:
    assert not Targets().permits("receiver.example", ipaddress.ip_address(address))


def test_public_addresses_and_allowed_internal_receivers_pass() -> None:
    allowed = Targets.parse("hooks.city.internal, 10.20.0.0/16, 127.0.0.1")
    assert Targets().permits("receiver.example", ipaddress.ip_address("93.184.216.34"))
    assert allowed.permits("HOOKS.city.internal", ipaddress.ip_address("10.9.9.9"))
    assert allowed.permits("other.internal", ipaddress.ip_address("10.20.3.4"))
    assert allowed.permits("localhost", ipaddress.ip_address("127.0.0.1"))
    assert not allowed.permits("other.internal", ipaddress.ip_address("10.21.0.1"))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379/", "http://localhost:5432/", "https://[::1]:22/", "http://169.254.169.254/x"]
)
async def test_pinning_refuses_what_resolves_inside(url: str) -> None:
    with pytest.raises(TargetRefused, match="not a public address"):
        await Targets().pin(url)


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(TargetRefused, match="does not resolve"):
        await Targets().pin("https://no-such-host.invalid/hook")


async def test_the_request_goes_to_the_checked_address_with_the_name_as_host() -> None:
    pinned = await Targets.parse("localhost").pin("http://localhost:8080/hooks/open?x=1")
    assert pinned.url in ("http://127.0.0.1:8080/hooks/open?x=1", "http://[::1]:8080/hooks/open?x=1")
    assert pinned.host_header == "localhost:8080"
    assert pinned.sni_hostname is None
    secure = await Targets.parse("127.0.0.1").pin("https://127.0.0.1/hook")
    assert (secure.url, secure.sni_hostname) == ("https://127.0.0.1:443/hook", "127.0.0.1")


async def test_registering_an_internal_target_is_refused_over_the_api(database_url: str, demo: Dataset) -> None:
    app: Starlette = create_app(database_url, Settings(db_pool_size=2))
    administrator = int(await Officers(database_url).fetchval("SELECT id FROM officer WHERE role = 'administrator'"))
    token = await Officers(database_url).token(administrator)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        answer = await http.post(
            "/graphql",
            json={"query": REGISTER_WEBHOOK, "variables": {"input": {"url": "http://127.0.0.1:6379/"}}},
            headers=bearer(token),
        )
    result = answer.json()["data"]["registerWebhook"]
    assert (result["__typename"], result["code"], result["field"]) == ("WorkflowError", "INVALID_VALUE", "url")
    assert "not a public address" in result["message"]


@pytest.fixture
async def undelivered(as_of: datetime) -> AsyncIterator[str]:
    """A database of its own: in the shared ones a running app's dispatcher (loopback refused, as by default)
    could take the test's webhook first, and the test would read its failure before that dispatcher committed."""
    async for url in fresh_database("webhook_targets"):
        await load_demo(url, as_of)
        yield url


async def test_every_delivery_checks_the_address_again(undelivered: str) -> None:
    """Registered while its host was allowed (or resolved outside); by delivery time it is not: nothing is sent."""
    engine = create_engine(undelivered, Settings(db_pool_size=2))
    sessions = create_sessionmaker(engine)
    receiver = Receiver()
    try:
        async with receiving(receiver) as url, httpx.AsyncClient() as client:
            async with sessions() as session, session.begin():
                last = int(await session.scalar(select(func.max(Event.seq))) or 0)
                creator = await session.scalar(select(Officer.id).limit(1))
                hook = Webhook(
                    url=url,
                    secret="s",
                    filter={},
                    delivered_through=last - 1,
                    next_attempt_at=datetime.now(UTC),
                    created_by_id=creator,
                    created_at=datetime.now(UTC),
                )
                session.add(hook)
            refused = await deliver_due(sessions, client, 0.001, Targets())
            async with sessions() as session, session.begin():
                failures = await session.scalar(select(Webhook.failures).where(Webhook.id == hook.id))
                due_now = update(Webhook).where(Webhook.id == hook.id).values(next_attempt_at=datetime.now(UTC))
                await session.execute(due_now)
            delivered = await deliver_due(sessions, client, 0.001, Targets.parse("127.0.0.1"))
    finally:
        await engine.dispose()
    assert (refused, failures) == (0, 1)
    assert delivered == 1
    assert len(receiver.accepted) == 1
