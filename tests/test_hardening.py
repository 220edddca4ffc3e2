"""The probes graphql-cop makes, as tests; the body cap; durability settings; every mutation has a denial test."""

import httpx

from openproc.observability import durability_warnings
from schema import schema
from tests.schema.mutations.test_permissions import MUTATIONS


async def _errors(response: httpx.Response) -> list[dict[str, object]]:
    body = response.json()
    errors: list[dict[str, object]] = body.get("errors") or []
    return errors


async def test_alias_overloading_is_refused(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{n}: __typename" for n in range(101)) + " }"
    errors = await _errors(await client.post("/graphql", json={"query": query}))
    assert errors
    assert "aliases" in str(errors[0]["message"]).lower()


async def test_batched_queries_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 10)
    assert response.status_code == 400


async def test_field_duplication_is_refused(client: httpx.AsyncClient) -> None:
    query = "{ taskTypes { " + "code " * 500 + "} }"
    errors = await _errors(await client.post("/graphql", json={"query": query}))
    assert "selected 500 times" in str(errors[0]["message"])


async def test_directive_overloading_is_refused(client: httpx.AsyncClient) -> None:
    query = "{ __typename " + "@skip(if: false) " * 50 + "}"
    errors = await _errors(await client.post("/graphql", json={"query": query}))
    assert "can only be used once" in str(errors[0]["message"])


async def test_circular_introspection_is_refused(client: httpx.AsyncClient) -> None:
    nested = "fields { type { " * 8 + "name" + " } }" * 8
    errors = await _errors(await client.post("/graphql", json={"query": f"{{ __schema {{ types {{ {nested} }} }} }}"}))
    assert "depth" in str(errors[0]["message"])


async def test_mutations_over_get_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": 'mutation { signStep(input: {stepId: "x"}) { __typename } }'}
    )
    assert response.status_code in (400, 405)


async def test_urlencoded_posts_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", data={"query": "{ __typename }"})
    assert response.status_code in (400, 415)


async def test_no_debug_mode_leaks_internals(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql?debug=1", json={"query": "{ nope }"})
    text = response.text
    assert "Traceback" not in text
    assert "stack" not in text.lower()


async def test_oversized_bodies_are_refused_before_parsing(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content=b'{"query": "' + b"x" * (1024 * 1024 + 1) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_unsafe_durability_settings_are_named() -> None:
    assert durability_warnings({"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}) == []
    warnings = durability_warnings({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "on"})
    assert len(warnings) == 2


def test_every_mutation_is_in_a_denial_test() -> None:
    """A new mutation must join a test that proves who may not call it."""
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    denied_elsewhere = {"importReferenceData", "registerWebhook"}  # administrators only: tests of their own
    public_by_design = {"submitApplication"}  # rate-limited, anonymous
    assert set(mutation_type.fields) == set(MUTATIONS) | denied_elsewhere | public_by_design
