"""The schema is the documentation: the committed SDL is current, and everything public is described."""

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from schema import schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_sdl_is_current() -> None:
    assert SDL.read_text(encoding="utf-8") == schema.as_str() + "\n", (
        "schema.graphql is stale: run `make schema` and commit the result"
    )


def test_every_public_type_field_argument_and_value_is_described() -> None:
    missing: list[str] = []
    for name, graphql_type in schema.graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        if not graphql_type.description and name not in ("String", "Int", "Boolean", "ID", "Float"):
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [f"{name}.{field_name}({arg})" for arg, value in field.args.items() if not value.description]
        elif isinstance(graphql_type, GraphQLInputObjectType):
            missing += [f"{name}.{field}" for field, value in graphql_type.fields.items() if not value.description]
        elif isinstance(graphql_type, GraphQLEnumType):
            missing += [f"{name}.{value}" for value, member in graphql_type.values.items() if not member.description]
    assert missing == []
