"""Parse and validate a document once, the same way for every door (HTTP, compiled reads, WebSocket).

Validation runs in two passes. The first holds the cheap, linear rules (size: depth, aliases, cost, duplicated
fields, introspection nesting); only a document that passes them meets graphql-core's full rules, some of which
(overlapping fields) grow with the square of the document. Results are kept per document text.
"""

from collections.abc import Iterator
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
# Distinct document texts whose parse and validation are kept.
DOCUMENTS_KEPT = 512

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


class PreparedDocuments(SchemaExtension):
    """Strawberry's HTTP view parses and validates through `prepare`, like the other doors."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            prepared = prepare(context.schema._schema, context.query)
            # Left unset when it does not parse: Strawberry parses again and answers the syntax error itself.
            context.graphql_document = prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.pre_execution_errors = list(prepare(context.schema._schema, context.query).errors)
        yield
