"""What a document may ask for, measured before anything runs: depth, aliases and cost, fragments expanded, and
no field repeated over and over in one selection.

The measure walks each operation once and measures each fragment once (a fragment spread a thousand times is
looked up, not walked again), so a document of a few kilobytes cannot make the measure itself slow, as
Strawberry's depth and alias limiters can (they walk every spread again). The rules of the cost, and the
budget, are documented in docs/limits.md; the schema states the figures it needs with `@cost` and `@listSize`,
named and shaped after the GraphQL Cost Directive specification (ibm.github.io/graphql-specs/cost-spec.html).
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from strawberry import UNSET
from strawberry.extensions import FieldExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema_directive import Location

from resolvers.errors import InvalidInput

# Fields on the longest path from the operation to a leaf (`{ case { title } }` is 2 deep).
MAX_DEPTH = 12
# Aliased fields in a document, each fragment counted as often as it is spread.
MAX_ALIASES = 30
# The cost of the largest answer one query or mutation may ask for (docs/limits.md says how it is counted).
MAX_COST = 50_000
# A subscription's selection is rendered once per event (and per event of a catch-up), on the event loop.
MAX_SUBSCRIPTION_COST = 1_000
# Fragments spreading fragments, this many deep at most (a chain has no other use than to be walked).
MAX_FRAGMENT_NESTING = 20
# The same field (same response name) more than this many times in one selection set is refused.
MAX_DUPLICATES = 10
# A list field without a slicing argument, or whose slicing argument is a variable, counts this many items
# unless its @listSize says otherwise.
ASSUMED_LIST_SIZE = 10
# What one aggregate over the whole window (statistics, rankings, audit rules) counts for: a few per request.
AGGREGATE_COST = "10000"
# IDs one `nodes` call may look up.
MAX_NODE_IDS = 100
# `__schema` or `__type`: the introspection answer is bounded by the schema itself (and its nesting by
# graphql-core's MaxIntrospectionDepthRule); each one counts this much.
INTROSPECTION_COST = 1_000


# Strawberry prints no description for a schema directive's arguments, so each directive's own description says
# what its arguments mean.
@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="cost",
    description="The cost of resolving this field once, when it differs from 1 (GraphQL Cost Directive spec): "
    "`weight`, a number in a string as the specification has it. docs/limits.md gives the whole rule.",
)
class Cost:
    weight: str = strawberry.directive_field(name="weight")


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="listSize",
    description="How many items this list field counts for in a request's cost (GraphQL Cost Directive spec): "
    "the value of one of its `slicingArguments` (a number, or a list's length), else `assumedSize` (also when a "
    "variable gives the slicing argument). docs/limits.md gives the whole rule.",
)
class ListSize:
    assumed_size: int | None = strawberry.directive_field(name="assumedSize", default=UNSET)
    slicing_arguments: list[str] | None = strawberry.directive_field(name="slicingArguments", default=UNSET)


class AtMost(FieldExtension):
    """Refuses a list argument longer than `limit`: the cost counts a list given by a variable as `limit` items."""

    def __init__(self, argument: str, limit: int) -> None:
        super().__init__()
        self.argument, self.limit = argument, limit

    def check(self, arguments: dict[str, Any]) -> None:
        if len(arguments.get(self.argument) or ()) > self.limit:
            raise InvalidInput(self.argument, f"give at most {self.limit}")

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **arguments: Any) -> Any:
        self.check(arguments)
        return next_(source, info, **arguments)

    async def resolve_async(self, next_: Callable[..., Any], source: Any, info: Any, **arguments: Any) -> Any:
        self.check(arguments)
        result = next_(source, info, **arguments)
        return await result if isawaitable(result) else result


# A field with an argument of one of these names and no @listSize is sized by it (Relay's `first` and `last`).
DEFAULT_SLICING = ("first", "last")


@dataclass(frozen=True)
class Measure:
    cost: int = 0
    aliases: int = 0
    depth: int = 0

    def beside(self, other: "Measure") -> "Measure":
        return Measure(self.cost + other.cost, self.aliases + other.aliases, max(self.depth, other.depth))


def _directive(field: GraphQLField, kind: type) -> Any:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    for directive in getattr(definition, "directives", ()):
        if isinstance(directive, kind):
            return directive
    return None


def _items(field: GraphQLField, node: FieldNode, in_connection: bool) -> int:
    """How many times the field's selection is resolved for one resolution of the field itself."""
    size: ListSize | None = _directive(field, ListSize)
    slicing = size.slicing_arguments if size and size.slicing_arguments else DEFAULT_SLICING
    assumed = size.assumed_size if size and isinstance(size.assumed_size, int) else ASSUMED_LIST_SIZE
    for argument in node.arguments or ():
        if argument.name.value in slicing:
            if isinstance(argument.value, IntValueNode):
                return max(int(argument.value.value), 0)
            if isinstance(argument.value, ListValueNode):
                return len(argument.value.values)
            return assumed
    if any(name in field.args for name in slicing):
        # Sliced but not given: the argument's default, else the assumed size.
        default = next(field.args[name].default_value for name in slicing if name in field.args)
        return default if isinstance(default, int) else assumed
    if is_list_type(get_nullable_type(field.type)):
        # The edges of a connection: already counted by the connection's slicing argument.
        return 1 if in_connection else assumed
    return 1


class DocumentMeasure:
    """Measures the operations of one document against one schema, each fragment once."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments: dict[str, FragmentDefinitionNode] = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.spreading: list[str] = []
        self.problems: list[GraphQLError] = []

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        return self.selections(operation.selection_set, self.schema.get_root_type(operation.operation), False)

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, connection: bool) -> Measure:
        self.repeated(selection_set)
        total = Measure()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total = total.beside(self.field(selection, parent, connection))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                total = total.beside(self.selections(selection.selection_set, kind, connection))
            elif isinstance(selection, FragmentSpreadNode):
                total = total.beside(self.fragment(selection.name.value))
        return total

    def repeated(self, selection_set: SelectionSetNode) -> None:
        """graphql-cop's "field duplication" probe: hundreds of copies of one field, each resolved again (and
        compared pairwise by graphql-core's overlapping-fields rule)."""
        names = Counter(
            (selection.alias or selection.name).value
            for selection in selection_set.selections
            if isinstance(selection, FieldNode)
        )
        for name, count in names.items():
            if count > MAX_DUPLICATES:
                message = f"'{name}' is selected {count} times in one selection; at most {MAX_DUPLICATES}"
                self.problems.append(GraphQLError(message, selection_set))

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, connection: bool) -> Measure:
        alias = 1 if node.alias else 0
        name = node.name.value
        if name.startswith("__"):
            return Measure(cost=INTROSPECTION_COST if name in ("__schema", "__type") else 0, aliases=alias)
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        definition = fields.get(name)
        if definition is None:  # unknown here: graphql-core's own rules report it
            return Measure(aliases=alias)
        cost: Cost | None = _directive(definition, Cost)
        weight = int(cost.weight) if cost else 1
        if node.selection_set is None:
            return Measure(cost=weight, aliases=alias, depth=1)
        child_type = get_named_type(definition.type)
        inner = self.selections(node.selection_set, child_type, child_type.name.endswith("Connection"))
        items = _items(definition, node, connection)
        return Measure(cost=weight + items * inner.cost, aliases=alias + inner.aliases, depth=1 + inner.depth)

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.spreading:  # unknown or a cycle: graphql-core reports both
            return Measure()
        if len(self.spreading) >= MAX_FRAGMENT_NESTING:
            self.problems.append(
                GraphQLError(f"Fragments spread fragments more than {MAX_FRAGMENT_NESTING} deep", definition)
            )
            self.measured[name] = Measure()
            return self.measured[name]
        self.spreading.append(name)
        condition = self.schema.get_type(definition.type_condition.name.value)
        on_connection = condition is not None and condition.name.endswith("Connection")
        measure = self.selections(definition.selection_set, condition, on_connection)
        self.spreading.pop()
        self.measured[name] = measure
        return measure


def size_problems(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """What refuses the document's operations before graphql-core's own (costlier) rules and long before execution:
    more than MAX_DEPTH deep, more than MAX_ALIASES aliases, costing more than the budget, a field repeated."""
    measure = DocumentMeasure(schema, document)
    problems = []
    for node in document.definitions:
        if not isinstance(node, OperationDefinitionNode):
            continue
        found = measure.operation(node)
        name = f"Operation '{node.name.value}'" if node.name else "The operation"
        if found.depth > MAX_DEPTH:
            message = f"{name} is {found.depth} fields deep; at most {MAX_DEPTH} are allowed"
            problems.append(GraphQLError(message, node))
        if found.aliases > MAX_ALIASES:
            problems.append(
                GraphQLError(f"{name} has {found.aliases} aliases; at most {MAX_ALIASES} are allowed", node)
            )
        budget = MAX_SUBSCRIPTION_COST if node.operation is OperationType.SUBSCRIPTION else MAX_COST
        if found.cost > budget:
            problems.append(
                GraphQLError(
                    f"{name} costs {found.cost}; at most {budget} is allowed (ask for smaller pages or "
                    "fewer nested lists; see docs/limits.md)",
                    node,
                    extensions={"cost": found.cost, "maxCost": budget},
                )
            )
    return measure.problems + problems
