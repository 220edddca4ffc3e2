"""A time limit on each resolver of a query or mutation; subscription streams are long-lived by design."""

import asyncio
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo, OperationType
from strawberry.extensions import SchemaExtension

from resolvers.context import Context


class ResolverTimedOut(TimeoutError):
    """Not one of the expected errors (schema/errors.py), so the client sees the masked INTERNAL error and the
    log gets this message with the field's path and the request id."""


class ResolverTimeout(SchemaExtension):
    """Cancels a resolver's awaitable after the context's `resolver_timeout_s` (RESOLVER_TIMEOUT_S).

    Only awaitables are wrapped: plain attribute reads cannot hang, and leaving them alone keeps large
    selections cheap."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        result = _next(root, info, *args, **kwargs)
        if not isawaitable(result) or info.operation.operation is OperationType.SUBSCRIPTION:
            return result
        context: Context = info.context
        seconds = context.resolver_timeout_s
        return _limited(result, seconds, f"{info.parent_type.name}.{info.field_name}")


async def _limited(awaitable: Awaitable[Any], seconds: float, field: str) -> Any:
    limit = asyncio.timeout(seconds)
    try:
        async with limit:
            return await awaitable
    except TimeoutError as error:
        # A TimeoutError of the resolver's own (a wait_for inside it) keeps its own message.
        if not limit.expired():
            raise
        raise ResolverTimedOut(f"{field} took longer than {seconds:g} s") from error
