"""Every argument-free field of a compiled type is read by the compiled path, or is named here with the reason it
is not: a field left out of readpath/tables.py by oversight (neither written there nor read from a same-named
column) would silently send every query that selects it to the slower path, and the equivalence tests, which build
their queries from the same map, would not notice."""

from graphql import GraphQLField, GraphQLObjectType

from readpath.tables import TABLES
from schema import schema

# (type, field): why the compiled path leaves it to Strawberry (a query selecting it is answered there).
NOT_COMPILED = {
    ("Case", "clock"): "computed in Python over the working-day calendar (resolvers/statutory_clock.py)",
    ("Case", "prediction"): "computed in Python from the oversight round's processing-time norms",
    ("Case", "predictionOutlook"): "computed in Python with the prediction it explains",
    ("Case", "delays"): "read from the oversight round's delay records, with their own loaders",
    ("Case", "auditDocuments"): "auditors only: the compiled path serves anonymous reads",
}


def fields_of(type_name: str) -> dict[str, GraphQLField]:
    graphql_type = schema.graphql_schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    fields: dict[str, GraphQLField] = graphql_type.fields
    return fields


def test_every_argument_free_field_of_a_compiled_type_is_mapped_or_excused() -> None:
    unmapped = {
        (name, field)
        for name, table in TABLES.items()
        for field, definition in fields_of(name).items()
        if not definition.args and field not in table.scalars and field not in table.relations
    }
    assert unmapped == set(NOT_COMPILED)


def test_every_mapped_field_exists_in_the_schema() -> None:
    stale = {
        (name, field)
        for name, table in TABLES.items()
        for field in {*table.scalars, *table.relations}
        if field not in fields_of(name)
    }
    assert stale == set()
