"""Applicant personal data never leaves through the public API."""

import json
import logging
import re
import typing
from typing import Any

import httpx
from graphql import GraphQLInterfaceType, GraphQLNonNull, GraphQLObjectType, get_named_type
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import models
from schema import schema
from schema.cost import MAX_NODE_IDS
from seed.generator import ROW_TYPES, Dataset
from tests.helpers import global_id, leaked, post
from tests.privacy_scan import RECORDER, Recorder

PERSONAL = re.compile(r"applicant|accesscode|resident|birth|home", re.IGNORECASE)

EVERY_CASE = """
query Every($after: String) {
  cases(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id receiptNo title location status result
      department { name phone } taskType { name description }
      steps { name comment officer { name email phone } signer { name email phone } }
      documents { title registeredBy { name email phone } }
      nextActions { description }
    } }
  }
}
"""
EVERYTHING_ELSE = """
{
  taskTypes { code name description disclosureReason approvalLine { name } legalReferences { title excerpt } }
  departments { name phone children { name phone children { name children { name officers { name email phone } } } } }
  legalReferences { title excerpt }
}
"""
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on Document { title } ... on Case { title location } } }"


# The only ways to applicant data: the applicant's own view, opened with their access code.
PRIVATE_ENTRY_POINTS = {("Query", "myCase")}


def public_types() -> set[str]:
    """Output types reachable from Query without credentials (interfaces lead to their implementations)."""
    graphql_schema = schema.graphql_schema
    seen: set[str] = set()
    queue: list[str] = ["Query"]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        graphql_type = graphql_schema.type_map[name]
        if isinstance(graphql_type, GraphQLInterfaceType):
            queue += [impl.name for impl in graphql_schema.get_implementations(graphql_type).objects]
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if (name, field_name) not in PRIVATE_ENTRY_POINTS:
                    queue.append(get_named_type(field.type).name)
    return seen


def test_no_public_type_names_personal_data() -> None:
    offending = []
    for name in public_types():
        graphql_type = schema.graphql_schema.type_map[name]
        if PERSONAL.search(name):
            offending.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            offending += [f"{name}.{field}" for field in graphql_type.fields if PERSONAL.search(field)]
    assert offending == []


def test_the_applicants_view_is_reachable_only_with_the_access_code() -> None:
    assert "OwnCase" not in public_types()
    assert "ContactDetails" not in public_types()
    query_type = schema.graphql_schema.query_type
    assert query_type is not None
    arguments = query_type.fields["myCase"].args
    assert isinstance(arguments["accessCode"].type, GraphQLNonNull)


def test_no_public_type_is_built_from_the_applicant_table() -> None:
    sources = []
    for name in public_types():
        graphql_type = schema.graphql_schema.type_map[name]
        origin = getattr(graphql_type, "extensions", {}) or {}
        definition = origin.get("strawberry-definition")
        from_model = getattr(getattr(definition, "origin", None), "from_model", None)
        if from_model is not None:
            sources.append(typing.get_type_hints(from_model)["row"])
    assert sources, "the walk found the schema's types"
    assert models.Applicant not in sources
    assert all(source.__tablename__ != "applicant" for source in sources)


async def test_no_response_carries_applicant_data(client: httpx.AsyncClient, demo: Dataset) -> None:
    # Given the generated applicants' names, phones and e-mails
    columns = ROW_TYPES["applicant"]._fields
    secrets = {row[columns.index(column)] for row in demo.rows["applicant"] for column in ("name", "phone", "email")}
    assert len(secrets) > 3 * len(demo.rows["applicant"]) * 0.5

    # When every case, every document id and every reference query is fetched
    texts: list[str] = []
    after: Any = None
    while True:
        response = await client.post("/graphql", json={"query": EVERY_CASE, "variables": {"after": after}})
        texts.append(json.dumps(response.json(), ensure_ascii=False))
        page = response.json()["data"]["cases"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    texts.append(json.dumps(await post(client, EVERYTHING_ELSE), ensure_ascii=False))
    ids = [global_id("Document", row[0]) for row in demo.rows["document"][:500]]
    for start in range(0, len(ids), MAX_NODE_IDS):
        page = ids[start : start + MAX_NODE_IDS]
        texts.append(json.dumps(await post(client, NODES, ids=page), ensure_ascii=False))

    # Then none of them appears anywhere
    corpus = "\n".join(texts)
    assert "서울특별시" in corpus, "the scan did read real responses"
    assert "@seoul.go.kr" in corpus, "the scan did read real responses"
    assert leaked(secrets, corpus) == []


async def test_no_event_payload_carries_applicant_data(engine: AsyncEngine, demo: Dataset) -> None:
    columns = ROW_TYPES["applicant"]._fields
    secrets = {row[columns.index(column)] for row in demo.rows["applicant"] for column in ("name", "phone", "email")}
    async with engine.connect() as connection:
        payloads = "\n".join((await connection.scalars(text("SELECT payload::text FROM event"))).all())
    assert len(payloads) > 1_000_000, "the demo history was generated"
    assert leaked(secrets, payloads) == []


def test_the_leak_finder_finds_what_it_looks_for() -> None:
    secrets = {"김가온", "010-1111-2222", "abc12@naver.com", "Flat 3, 9 Elm Road"}
    corpus = '{"comment": "김가온님께 010-1111-2222로 연락, abc12@naver.com", "x": "Flat 3, 9 Elm Road"}'
    assert leaked(secrets, corpus) == sorted(secrets)
    assert leaked(secrets, "김가 온 010-1111-222") == []


async def test_the_suite_wide_scan_sees_responses_and_log_lines(client: httpx.AsyncClient) -> None:
    # Given the recorder's counts so far
    responses, log_lines = RECORDER.responses, RECORDER.log_lines

    # When a test client is answered and a line is logged
    await client.post("/graphql", json={"query": "{ __typename }"})
    logging.getLogger("openproc.test").warning("a line the scan must see")

    # Then both reached the recorder
    assert RECORDER.responses == responses + 1
    assert RECORDER.log_lines == log_lines + 1


async def test_the_scan_reports_an_applicant_phone_planted_in_a_log_line(demo: Dataset) -> None:
    # Given a recorder of its own (the session's must stay clean) that knows the demo applicants
    columns = ROW_TYPES["applicant"]._fields
    applicants = [
        [row[columns.index(name)] for name in ("name", "phone", "email", "address")] for row in demo.rows["applicant"]
    ]
    recorder = Recorder()
    recorder.database("demo", applicants, ['{"type": "case.registered"}'])
    phone = applicants[0][1]
    recorder._log("openproc.graphql INFO nothing personal here")
    assert recorder.findings() == []

    # When one applicant's phone, an address and a registration number are planted in captured lines
    recorder._log(f"openproc.graphql ERROR calling back {phone}")
    recorder.response(json.dumps({"data": {"note": applicants[1][3]}}, ensure_ascii=False), "POST /graphql")
    recorder.message('{"payload": "900101-1234567"}', "ws")

    # Then the scan reports each, with where it was seen
    found = {finding.secret: finding.where for finding in recorder.findings()}
    assert found == {
        phone: "log",
        applicants[1][3]: "POST /graphql",
        "resident registration number 900101-1234567": "ws",
    }
    assert "LEAK" in recorder.report()
