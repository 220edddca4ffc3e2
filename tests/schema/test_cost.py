"""The cost model and the two validation passes (schema/cost.py, schema/validation.py), on documents alone: what
a document costs, what is refused before graphql-core's own rules run, and that fragments are measured once."""

from typing import Any

import httpx
from graphql import OperationDefinitionNode, parse

from bench.hostile import nested_fragments
from schema import schema
from schema.cost import (
    ASSUMED_LIST_SIZE,
    MAX_ALIASES,
    MAX_COST,
    MAX_FRAGMENT_NESTING,
    MAX_NODE_IDS,
    MAX_SUBSCRIPTION_COST,
    DocumentMeasure,
    Measure,
)
from schema.validation import MAX_TOKENS, prepare
from tests.helpers import post_expecting_errors

GRAPHQL = schema.graphql_schema


def measure(query: str) -> Measure:
    document = parse(query)
    (operation,) = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    return DocumentMeasure(GRAPHQL, document).operation(operation)


def messages(query: str) -> list[str]:
    return [error.message for error in prepare(GRAPHQL, query).errors]


def test_a_page_multiplies_what_each_item_selects() -> None:
    # cases (1) + 5 × [edges (1) + node (1) + receiptNo (1) + steps (1) + 10 assumed steps × name (1)]
    found = measure("{ cases(first: 5) { edges { node { receiptNo steps { name } } } } }")
    assert found.cost == 1 + 5 * (1 + 1 + 1 + 1 + ASSUMED_LIST_SIZE * 1)
    assert found.depth == 5


def test_a_page_taken_backward_counts_as_one_taken_forward() -> None:
    forward = measure("{ cases(first: 60) { edges { node { receiptNo steps { name } } } } }").cost
    backward = measure("{ cases(last: 60) { edges { node { receiptNo steps { name } } } } }").cost
    assert backward == forward == 1 + 60 * (1 + 1 + 1 + 1 + ASSUMED_LIST_SIZE)


def test_a_page_size_given_by_a_variable_counts_as_the_default_or_assumed_size() -> None:
    literal = measure("{ cases(first: 7) { edges { node { title } } } }").cost
    variable = measure("query($n: Int) { cases(first: $n) { edges { node { title } } } }").cost
    assert literal == 1 + 7 * 3
    assert variable == 1 + ASSUMED_LIST_SIZE * 3


def test_list_sizes_and_weights_come_from_the_schema() -> None:
    # @listSize(slicingArguments: ["ids"]): a literal list counts its length.
    assert measure('{ nodes(ids: ["a", "b", "c"]) { id } }').cost == 1 + 3
    # @cost(weight:) on the aggregates: statistics' own `first` defaults to 50.
    statistics = measure("{ statistics(groupBy: OFFICER) { total } }").cost
    assert statistics > MAX_COST // 10


def test_nested_fragments_are_measured_once_each_and_refused() -> None:
    found = messages('{ case(receiptNo: "x") { ...F0 } } ' + nested_fragments(width=16, levels=4))
    assert any(f"at most {MAX_ALIASES} are allowed" in message for message in found)
    assert any(message.startswith("The operation costs") for message in found)


def test_a_chain_of_fragments_is_refused() -> None:
    count = MAX_FRAGMENT_NESTING + 5
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(count))
    found = messages(f"{{ ...F0 }} {chain} fragment F{count} on Query {{ __typename }}")
    assert found == [f"Fragments spread fragments more than {MAX_FRAGMENT_NESTING} deep"]


def test_size_rules_refuse_before_the_full_rules_run() -> None:
    # Without the first pass, graphql-core compares these fields pairwise (seconds on the event loop for 1,090).
    found = messages("{ " + "ledger { publicKey } " * 245 + "}")
    assert found == ["'ledger' is selected 245 times in one selection; at most 10"]


def test_a_document_over_the_token_limit_is_refused_while_parsing() -> None:
    (found,) = messages("{ " + "ledger { publicKey } " * 1_090 + "}")
    assert found == f"Syntax Error: Document contains more than {MAX_TOKENS} tokens. Parsing aborted."


def test_a_subscription_has_a_smaller_budget() -> None:
    typical = 'subscription { caseProgress(receiptNo: "x") { sequence type case { status steps { name status } } } }'
    assert messages(typical) == []
    wide = " ".join(f"c{i}: case {{ steps {{ name sequence status officer {{ name }} }} }}" for i in range(30))
    assert measure(f'subscription {{ caseProgress(receiptNo: "x") {{ {wide} }} }}').cost > MAX_SUBSCRIPTION_COST
    refused = messages(f'subscription {{ caseProgress(receiptNo: "x") {{ {wide} }} }}')
    assert any(f"at most {MAX_SUBSCRIPTION_COST} is allowed" in message for message in refused)
    # The same selection once, as a query, is well within a query's budget.
    assert messages('{ case(receiptNo: "x") { steps { name sequence status officer { name } } } }') == []


async def test_more_ids_than_allowed_are_refused_as_input(client: httpx.AsyncClient) -> None:
    # Given as a variable: refused before coercion, as any list in variables over the limit is.
    ids: list[Any] = ["Q2FzZTox"] * (MAX_NODE_IDS + 1)
    (error,) = await post_expecting_errors(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=ids)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "ids"}
    # Written in the document: refused by the field itself.
    literal = "{ nodes(ids: [" + ", ".join('"Q2FzZTox"' for _ in range(MAX_NODE_IDS + 1)) + "]) { id } }"
    (error,) = await post_expecting_errors(client, literal)
    assert (error["message"], error["extensions"]["code"]) == ("ids: give at most 100", "BAD_USER_INPUT")
