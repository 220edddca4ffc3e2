"""Each operation Strawberry executes, timed by name, type and outcome."""

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from telemetry import observe_operation


class OperationMetrics(SchemaExtension):
    """Times each GraphQL operation by name and type (query, mutation, subscription)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # the document did not parse or name an operation
            kind = "invalid"
        outcome = "error" if context.result is not None and context.result.errors else "ok"
        observe_operation(context.operation_name, kind, outcome, time.perf_counter() - started)
