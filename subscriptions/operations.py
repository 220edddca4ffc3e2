"""The GraphQL side of what a socket is asked to run, done as over HTTP: a `subscribe` payload is checked, guarded,
parsed and validated with the HTTP door's limits and cache (schema/validation.py); queries and mutations run
through the schema with the caller's context; a subscription's arguments say what it follows and from where.

Apart from the connection, which only speaks the protocol and queues text, and from the fan-out, which only
shares rendering: this is where the socket meets the schema, so the rules of the two doors stay one.
"""

import json
from dataclasses import dataclass
from typing import Any

import graphql
from graphql import DocumentNode, OperationDefinitionNode, OperationType
from graphql.execution.values import get_argument_values, get_variable_values

from resolvers.context import Context
from resolvers.progress import Watch
from schema import forbidden_text, schema
from schema.subscription import WATCHES
from schema.validation import oversized_list, prepare
from subscriptions.protocol import public_errors


@dataclass(frozen=True)
class Operation:
    """A `subscribe` payload, parsed and validated."""

    query: str
    variables: dict[str, Any]
    name: str | None
    document: DocumentNode
    definition: OperationDefinitionNode
    # The request's `extensions` (readAfter: resolvers/reads.py), as over HTTP.
    extensions: dict[str, Any]

    @property
    def is_subscription(self) -> bool:
        return self.definition.operation is OperationType.SUBSCRIPTION


def prepare_operation(payload: dict[str, Any]) -> Operation | list[dict[str, Any]]:
    """The operation a `subscribe` payload asks for, or the errors to answer it with."""
    query, variables = payload.get("query"), payload.get("variables") or {}
    operation_name, extensions = payload.get("operationName"), payload.get("extensions") or {}
    if not isinstance(query, str) or not isinstance(variables, dict) or not isinstance(extensions, dict):
        return [{"message": "query must be a string, variables and extensions objects"}]
    if forbidden_text.has_forbidden(query) or forbidden_text.has_forbidden(variables):
        return [forbidden_text.ERROR]
    # Parsed and validated as over HTTP (schema/validation.py): the same limits, the same cache.
    document, errors = prepare(schema.graphql_schema, query)
    if errors or document is None:
        return public_errors(errors)
    definition = graphql.get_operation_ast(document, operation_name)
    if definition is None:
        return [{"message": "no operation to run (give operationName)"}]
    return Operation(query, variables, operation_name, document, definition, extensions)


async def execute(operation: Operation, context: Context) -> str:
    """A query or mutation, as over HTTP (with the token from connection_init): the payload of its `next`."""
    result = await schema.execute(
        operation.query,
        variable_values=operation.variables,
        context_value=context,
        operation_name=operation.name,
        operation_extensions=operation.extensions,
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [dict(error.formatted) for error in result.errors]  # schema.execute applied the policy
    if result.extensions:
        body["extensions"] = result.extensions
    return json.dumps(body, ensure_ascii=False)


def watch_of(operation: OperationDefinitionNode, variables: dict[str, Any]) -> tuple[Watch, int | None, str | None]:
    """What a subscription follows, where it starts, and which variable (if any) says where."""
    (selection,) = operation.selection_set.selections  # validation allows one root field
    assert isinstance(selection, graphql.FieldNode)
    subscription_type = schema.graphql_schema.subscription_type
    assert subscription_type is not None
    oversized = oversized_list(variables)
    if oversized is not None:
        raise oversized
    coerced = get_variable_values(schema.graphql_schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        raise coerced[0]
    definition = subscription_type.fields[selection.name.value]
    arguments = get_argument_values(definition, selection, coerced)
    after = arguments.get("after")
    after_node = next((argument for argument in selection.arguments or () if argument.name.value == "after"), None)
    after_variable = (
        after_node.value.name.value if after_node and isinstance(after_node.value, graphql.VariableNode) else None
    )
    return WATCHES[selection.name.value](arguments), after, after_variable
