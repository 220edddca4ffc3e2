"""Which database an operation reads from, for every door that runs the schema (HTTP, the socket's queries and
mutations; the compiled path applies the same rule in readpath/endpoint.py).

Anonymous queries read from a standby (resolvers/reads.py): public data, a standby that covers the position the
request names in `extensions.readAfter`. An officer's queries and every mutation stay on the primary, and a
mutation's answer carries the primary's position after it ran in `extensions.commitPosition`.
"""

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers.context import Context
from resolvers.errors import InvalidInput
from resolvers.reads import COMMIT_POSITION, Position, format_lsn, requested

logger = logging.getLogger("openproc.graphql")


class ReadRouting(SchemaExtension):
    position: Position | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if not isinstance(context, Context) or context.reads is None:
            yield
            return
        try:
            needed = requested(execution.operation_extensions)
        except InvalidInput as error:
            # Refused before anything runs, as the schema's own argument errors are, whoever asks.
            execution.result = ExecutionResult(None, [GraphQLError(str(error), original_error=error)])
            yield
            return
        kind = execution.operation_type
        if kind is OperationType.QUERY and context.token is None:
            context.use(await context.reads.reader(needed))
        yield
        if kind is OperationType.MUTATION:
            try:
                self.position = await context.reads.commit_position()
            except Exception:
                # What the mutation did stands and is answered; without a position its client reads as anyone.
                logger.warning("reading the commit position failed", exc_info=True)

    def get_results(self) -> dict[str, Any]:
        return {} if self.position is None else {COMMIT_POSITION: format_lsn(self.position.lsn)}
