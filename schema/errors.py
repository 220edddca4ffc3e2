"""One error policy for every operation: expected errors get a code, anything else is masked and logged."""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError

from resolvers.errors import InvalidInput

logger = logging.getLogger("openproc.graphql")

MASKED_MESSAGE = "Unexpected error. It has been logged; please try again later."


def is_expected(error: GraphQLError) -> bool:
    """Syntax, validation and coercion errors carry no original error; ours and ID errors are public."""
    original = error.original_error
    return original is None or isinstance(original, (InvalidInput, GlobalIDValueError, StrawberryGraphQLError))


def code_of(error: GraphQLError) -> str:
    if isinstance(error.original_error, InvalidInput | GlobalIDValueError):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_REQUEST"


def public(error: GraphQLError) -> GraphQLError:
    if not is_expected(error):
        logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
        return GraphQLError(MASKED_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"})
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", code_of(error))
    if isinstance(error.original_error, InvalidInput):
        extensions["argument"] = error.original_error.argument
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [public(error) for error in result.errors]
