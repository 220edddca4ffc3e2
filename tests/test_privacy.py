"""Applicant personal data never leaves through the public API."""

import json
import re
import typing
from typing import Any

import httpx
from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

import models
from schema import schema
from seed.generator import COLUMNS, Dataset
from tests.helpers import global_id, post

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


def test_no_public_type_or_argument_names_personal_data() -> None:
    offending = []
    for name, graphql_type in schema._schema.type_map.items():
        if PERSONAL.search(name):
            offending.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            offending += [f"{name}.{field}" for field in graphql_type.fields if PERSONAL.search(field)]
    assert offending == []


def test_no_public_type_is_built_from_the_applicant_table() -> None:
    sources = []
    for graphql_type in schema._schema.type_map.values():
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
    columns = COLUMNS["applicant"]
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
    texts.append(json.dumps(await post(client, NODES, ids=ids), ensure_ascii=False))

    # Then none of them appears anywhere
    corpus = "\n".join(texts)
    assert "서울특별시" in corpus, "the scan did read real responses"
    assert "@seoul.go.kr" in corpus, "the scan did read real responses"
    leaked = sorted(secret for secret in secrets if secret in corpus)
    assert leaked == []
