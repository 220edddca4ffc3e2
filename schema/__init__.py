"""The public GraphQL schema of OPEN: types, inputs, enums and the assembled Schema. No SQL here."""

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from openproc.observability import OperationMetrics
from schema.errors import ErrorPolicy
from schema.limits import FieldDuplicationLimit
from schema.mutations import Mutation
from schema.query import Query
from schema.subscription import Subscription
from schema.timeouts import ResolverTimeout

# Deep enough for a case → steps → officer → department → parent chain, shallow enough to stop abuse.
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5_000
# Beyond GraphQL's own rules; the compiled read path (readpath/) validates with the same ones.
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    FieldDuplicationLimit,
)


class OpenSchema(Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged once, by ErrorPolicy, which knows which ones are unexpected."""


def build_schema() -> Schema:
    return OpenSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            ErrorPolicy,
            # Cancels a slow query or mutation resolver; ErrorPolicy then masks and logs it like any bug.
            ResolverTimeout,
            OperationMetrics,
            # Both caches live at module level, shared across requests: only the factory is per request.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: AddValidationRules(list(LIMIT_RULES)),
        ],
    )


schema = build_schema()
