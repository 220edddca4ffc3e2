"""Parse and validate a document once, the same way for every door (HTTP, compiled reads, WebSocket).

Validation runs in two passes. The first holds the cheap, linear rules (size: depth, aliases, cost, duplicated
fields, introspection nesting); only a document that passes them meets graphql-core's full rules, some of which
(overlapping fields) grow with the square of the document. Results are kept per document text.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    MaxIntrospectionDepthRule,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.cost import DocumentBudget
from schema.limits import FieldDuplicationLimit

MAX_TOKENS = 5_000
# Items in any list a request's variables hold. No input of the schema takes more (IDs for `nodes` are at most
# 100, the rest are lists of enum values); a longer list would cost its coercion before anything could refuse it.
MAX_LIST_ITEMS = 100
# Distinct document texts whose parse and validation are kept.
DOCUMENTS_KEPT = 512
# Characters from which a document is parsed and validated in a worker thread: a 20 KB document takes about 50 ms,
# and a thread lets the event loop in every few milliseconds meanwhile (smaller ones are quicker than the hand-off).
IN_A_THREAD = 4_000

SIZE_RULES: tuple[type[ASTValidationRule], ...] = (DocumentBudget, FieldDuplicationLimit, MaxIntrospectionDepthRule)
# graphql-core's rules and the two Strawberry adds for its `@oneOf` inputs and `Maybe` arguments.
FULL_RULES: tuple[type[ASTValidationRule], ...] = (
    *specified_rules,
    OneOfInputValidationRule,
    MaybeNullValidationRule,
)


class Prepared(NamedTuple):
    """A document as parsed (None if it does not parse) and the errors that refuse it (none if it may run)."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]


@lru_cache(maxsize=DOCUMENTS_KEPT)
def prepare(schema: GraphQLSchema, query: str) -> Prepared:
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return Prepared(None, (error,))
    errors = validate(schema, document, SIZE_RULES) or validate(schema, document, FULL_RULES)
    return Prepared(document, tuple(errors))


def oversized_list(variables: object, path: str = "") -> GraphQLError | None:
    """A refusal if any list in the variables holds more than MAX_LIST_ITEMS items, naming where."""
    if isinstance(variables, list):
        if len(variables) > MAX_LIST_ITEMS:
            message = f"variable {path}: lists hold at most {MAX_LIST_ITEMS} items, got {len(variables)}"
            return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "argument": path.lstrip("$")})
        items: Iterable[tuple[str, object]] = ((f"{path}[{index}]", item) for index, item in enumerate(variables))
    elif isinstance(variables, dict):
        items = ((f"{path}.{key}" if path else f"${key}", item) for key, item in variables.items())
    else:
        return None
    return next((found for where, item in items if (found := oversized_list(item, where)) is not None), None)


async def prepared(schema: GraphQLSchema, query: str) -> Prepared:
    """`prepare`, in a worker thread for a long document (kept results are found there at once too)."""
    if len(query) < IN_A_THREAD:
        return prepare(schema, query)
    return await asyncio.to_thread(prepare, schema, query)


class PreparedDocuments(SchemaExtension):
    """Strawberry's HTTP view parses and validates through `prepare`, like the other doors."""

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.query is not None:
            found = await prepared(context.schema._schema, context.query)
            # Left unset when it does not parse: Strawberry parses again and answers the syntax error itself.
            context.graphql_document = found.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            errors = list(prepare(context.schema._schema, context.query).errors)
            oversized = None if errors else oversized_list(context.variables or {})
            context.pre_execution_errors = errors or ([oversized] if oversized else [])
        yield
