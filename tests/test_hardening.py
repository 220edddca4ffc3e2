"""The probes graphql-cop makes, as tests; the body cap; durability settings; every mutation has a denial test."""

import httpx
import pytest

from openproc.app import create_app
from openproc.observability import durability_warnings
from openproc.settings import Settings
from schema import schema
from seed.generator import Dataset
from tests.helpers import Officers, bearer, global_id
from tests.schema.mutations.test_permissions import MUTATIONS
from tests.schema.mutations.test_webhooks import MANAGEMENT
from tests.schema.mutations.workflow import SIGN


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
    assert any("selected 500 times" in str(error["message"]) for error in errors)


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
    mutation_type = schema.graphql_schema.mutation_type
    assert mutation_type is not None
    # Administrators only: tests of their own (test_reference.py; test_webhooks.py refuses every other role).
    denied_elsewhere = {"importReferenceData", "registerWebhook", *MANAGEMENT}
    # Oversight's own: tests/oversight/test_outcomes.py refuses officers and anonymous callers the dispositions and
    # awards, test_inspections.py refuses everyone outside the inspecting team.
    denied_elsewhere |= {"disposeAuditFinding", "awardInputter", "recordInspection"}
    public_by_design = {"submitApplication", "leaveOpinion", "recordCaseView", "recordDocumentView"}  # rate-limited
    assert set(mutation_type.fields) == set(MUTATIONS) | denied_elsewhere | public_by_design


async def test_anonymous_requests_beyond_the_budget_get_429(database_url: str, demo: Dataset) -> None:
    app = create_app(database_url, Settings(db_pool_size=2, rate_anonymous_per_minute=3))
    token = await Officers(database_url).token(demo.rows["officer"][-1][0])
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        answers = [await http.post("/graphql", json={"query": "{ __typename }"}) for _ in range(4)]
        made_up = await http.post("/graphql", json={"query": "{ __typename }"}, headers=bearer("opn_x"))
        junk = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"authorization": "Bearer junk"})
        # The address's budget is spent; a live token is looked up once and then remembered.
        with_token = [
            (await http.post("/graphql", json={"query": "{ __typename }"}, headers=bearer(token))).status_code
            for _ in range(5)
        ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(answers[-1].headers["retry-after"]) > 0
    assert made_up.status_code == junk.status_code == 429, "only a live token leaves the anonymous budget"
    assert with_token == [200] * 5, "officers are counted by their own budgets"


async def test_signings_per_officer_are_budgeted(database_url: str, demo: Dataset) -> None:
    app = create_app(database_url, Settings(db_pool_size=2, rate_signings_per_minute=2))
    officer_id = demo.rows["officer"][-1][0]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        token = await Officers(database_url).token(officer_id)
        responses = [
            await http.post(
                "/graphql",
                json={"query": SIGN, "variables": {"input": {"stepId": global_id("Step", 1)}}},
                headers={"authorization": f"Bearer {token}"},
            )
            for _ in range(3)
        ]
    answers = [response.json() for response in responses]
    assert [answer.get("errors", [{}])[0].get("extensions", {}).get("code") for answer in answers][-1] == "RATE_LIMITED"
    assert "errors" not in answers[0] or answers[0]["errors"][0]["extensions"]["code"] != "RATE_LIMITED"
    # The refusal says when to come back in the header too, as the anonymous budget's 429 does.
    assert int(responses[-1].headers["retry-after"]) == answers[-1]["errors"][0]["extensions"]["retryAfter"] > 0
    assert "retry-after" not in responses[0].headers


NUL_APPLICATION = """
mutation ($address: String!) {
  submitApplication(input: {taskTypeCode: "BLD-RPT", title: "t", location: "l",
    applicant: {name: "n", phone: "010-0000-0000", email: "a@b.kr", address: $address}}) { __typename }
}
"""


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\x1f", "\ufffe"])
async def test_characters_xml_forbids_are_refused_as_bad_input(
    writer: httpx.AsyncClient, officers: Officers, character: str
) -> None:
    """NUL once surfaced as a masked INTERNAL error (PostgreSQL cannot store it); a vertical tab in a title once
    broke every client's Open311 XML feed. Both are typed refusals now, however they are written."""
    before = await officers.fetchval("SELECT count(*) FROM applicant")
    escaped = f"\\u{ord(character):04x}"
    in_variables = await writer.post(
        "/graphql", json={"query": NUL_APPLICATION, "variables": {"address": f"a{character}b"}}
    )
    inline = await writer.post("/graphql", json={"query": f'{{ case(receiptNo: "x{escaped}") {{ id }} }}'})
    over_get = await writer.get("/graphql", params={"query": f'{{ case(receiptNo: "x{character}") {{ id }} }}'})
    for answer in (in_variables, inline, over_get):
        assert answer.status_code == 200
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await officers.fetchval("SELECT count(*) FROM applicant") == before


async def test_tabs_and_line_breaks_are_still_text(writer: httpx.AsyncClient) -> None:
    answer = await writer.post("/graphql", json={"query": '{ case(receiptNo: "a\\tb\\nc\\r") { id } }'})
    assert answer.json() == {"data": {"case": None}}
