"""The assembled schema's class: Strawberry's Schema, with the graphql-core schema every door validates against
and the refusal of subscriptions over plain HTTP."""

from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from strawberry import Schema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from schema.errors import public

# Subscriptions are served by subscriptions/ on the WebSocket; `execute` would run one as a query and
# answer a null field (a masked INTERNAL error and a logged traceback), so it refuses them with this instead.
SUBSCRIPTION_OVER_HTTP = (
    "subscriptions are not served over plain HTTP: open a WebSocket to this same URL with the "
    "graphql-transport-ws protocol"
)


class OpenSchema(Schema):
    @property
    def graphql_schema(self) -> GraphQLSchema:
        """graphql-core's schema, which every door parses, validates and costs against. Strawberry keeps it as its
        Schema's `_schema` with no public accessor (its maintainers point users there, strawberry#2590); this
        subclass is the one place that reads it."""
        return self._schema

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Strawberry's HTTP view executes here, for GET and POST alike, and the compiled read path hands it every
        document it does not compile (a subscription never is); the WebSocket server sends only queries and
        mutations. So a subscription sent over HTTP is refused here, in one place, as a request error."""
        allowed = set(OperationType if allowed_operation_types is None else allowed_operation_types)
        try:
            result = await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed - {OperationType.SUBSCRIPTION},
                operation_extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is not OperationType.SUBSCRIPTION or OperationType.SUBSCRIPTION not in allowed:
                raise
            refusal = GraphQLError(SUBSCRIPTION_OVER_HTTP, extensions={"code": "BAD_REQUEST"})
            return ExecutionResult(data=None, errors=[refusal])
        # Strawberry hands back syntax and token-limit errors before ErrorPolicy sees the result: give them the
        # same treatment (public() leaves what ErrorPolicy already shaped as it is).
        if result.errors:
            result.errors = [public(error) for error in result.errors]
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged once, by ErrorPolicy, which knows which ones are unexpected."""
