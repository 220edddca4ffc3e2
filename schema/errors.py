"""One error policy for every operation: expected errors get a code, anything else is masked and logged."""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError

from resolvers.errors import Forbidden, InvalidInput, RateLimited, Unauthenticated, WorkflowError
from telemetry import request_id

logger = logging.getLogger("openproc.graphql")

MASKED_MESSAGE = "Unexpected error. It has been logged; please try again later."


# Expected failures and the code the client sees for each.
CODES: dict[type[Exception], str] = {
    InvalidInput: "BAD_USER_INPUT",
    GlobalIDValueError: "BAD_USER_INPUT",
    WorkflowError: "BAD_USER_INPUT",
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    RateLimited: "RATE_LIMITED",
}


def is_expected(error: GraphQLError) -> bool:
    """Syntax and validation errors carry no original error, variable coercion errors a GraphQLError;
    ours and ID errors are public too."""
    original = error.original_error
    return original is None or isinstance(original, (*CODES, GraphQLError, StrawberryGraphQLError))


def code_of(error: GraphQLError) -> str:
    for kind, code in CODES.items():
        if isinstance(error.original_error, kind):
            return code
    return "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_REQUEST"


def public(error: GraphQLError) -> GraphQLError:
    if not is_expected(error):
        logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
        # The request id lets a user's report be matched with the logged traceback.
        return GraphQLError(
            MASKED_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id.get()},
        )
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", code_of(error))
    original = error.original_error
    if isinstance(original, InvalidInput):
        extensions["argument"] = original.argument
    elif isinstance(original, RateLimited):
        extensions["retryAfter"] = original.retry_after
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
            limited = [error.original_error for error in result.errors if isinstance(error.original_error, RateLimited)]
            headers = getattr(self.execution_context.context, "response_headers", None)
            if limited and headers is not None:
                # Over HTTP a per-feature limit answers 200 with RATE_LIMITED; clients and proxies read this header.
                headers["retry-after"] = str(max(error.retry_after for error in limited))
            result.errors = [public(error) for error in result.errors]
