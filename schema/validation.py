"""Parse and validate a document once, the same way for every door (HTTP, compiled reads, WebSocket).

Validation runs in two passes. The first holds the cheap, linear rules (size: depth, aliases, cost, duplicated
fields, introspection nesting); only a document that passes them meets graphql-core's full rules, some of which
(overlapping fields) grow with the square of the document. Results are kept per text for short documents.
"""

from collections.abc import Iterable, Iterator
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

from schema.cost import size_problems
from schema.open_schema import OpenSchema

# Three times the largest document OPEN's own pages, tests and README send (GraphiQL's introspection query is
# 163), and graphql-armor's default: parsing and checking a document this long holds the loop about 10 ms.
MAX_TOKENS = 1_000
# Items in any list a request's variables hold. No input of the schema takes more (IDs for `nodes` are at most
# 100, the rest are lists of enum values); a longer list would cost its coercion before anything could refuse it.
MAX_LIST_ITEMS = 100
# Distinct short document texts whose parse and validation are kept.
DOCUMENTS_KEPT = 512
# Documents of at least this many characters are not kept: each would hold a syntax tree of a megabyte or more,
# and a client can make every one new. (Preparing them in a worker thread was tried: with the GIL, two attackers'
# threads delayed /healthz more than the ~10 ms each takes on the loop; bench/hostile.py measures it.)
LONG_DOCUMENT = 4_000

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


def prepare(schema: GraphQLSchema, query: str) -> Prepared:
    """Parsed and validated: from the kept results for a short document, afresh for a long one."""
    return _kept(schema, query) if len(query) < LONG_DOCUMENT else _prepare(schema, query)


def _prepare(schema: GraphQLSchema, query: str) -> Prepared:
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return Prepared(None, (error,))
    # The size checks walk the document directly, each fragment once; graphql-core's visitor with its type
    # information costs more than they do. Introspection's own nesting rule runs only where it applies.
    errors = size_problems(schema, document)
    if not errors and ("__schema" in query or "__type" in query):
        errors = validate(schema, document, (MaxIntrospectionDepthRule,))
    errors = errors or validate(schema, document, FULL_RULES)
    return Prepared(document, tuple(errors))


_kept = lru_cache(maxsize=DOCUMENTS_KEPT)(_prepare)


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


UNPARSED = parse("{ __typename }")


class PreparedDocuments(SchemaExtension):
    """Strawberry's HTTP view parses and validates through `prepare`, like the other doors."""

    found: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            if not isinstance(context.schema, OpenSchema):
                raise TypeError("PreparedDocuments extends OpenSchema only")
            self.found = prepare(context.schema.graphql_schema, context.query)
            # A document that does not parse stands in as one that does, so that Strawberry does not parse it
            # again; on_validate answers with the syntax error before anything runs.
            context.graphql_document = self.found.document or UNPARSED
        yield

    def on_validate(self) -> Iterator[None]:
        if self.found is not None:
            errors = list(self.found.errors)
            oversized = None if errors else oversized_list(self.execution_context.variables or {})
            self.execution_context.pre_execution_errors = errors or ([oversized] if oversized else [])
        yield
