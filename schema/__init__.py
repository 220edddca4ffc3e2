"""The public GraphQL schema of OPEN: types, inputs, enums and the assembled Schema. No SQL here."""

from datetime import datetime

from strawberry.schema.config import StrawberryConfig

from schema.errors import ErrorPolicy
from schema.mutations import Mutation
from schema.open_schema import OpenSchema
from schema.operation_metrics import OperationMetrics
from schema.query import Query
from schema.read_routing import ReadRouting
from schema.subscription import Subscription
from schema.time import DateTime
from schema.timeouts import ResolverTimeout
from schema.validation import PreparedDocuments


def build_schema() -> OpenSchema:
    return OpenSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
        extensions=[
            ErrorPolicy,
            # Cancels a slow query or mutation resolver; ErrorPolicy then masks and logs it like any bug.
            ResolverTimeout,
            OperationMetrics,
            # Parsed and validated as the other doors do, kept per document text (schema/validation.py).
            PreparedDocuments,
            # Anonymous queries on a standby, read-your-writes by commit position (resolvers/reads.py).
            ReadRouting,
        ],
    )


schema = build_schema()
