"""Every GraphQL enum is a domain enum itself, registered by `schema.described`: it cannot drift from its class,
and a member without a description stops the import."""

from enum import Enum, StrEnum
from pathlib import Path

import pytest
from graphql import GraphQLEnumType
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

from schema import schema
from schema.described import described
from schema.opinion import OpinionDecision

ROOT = Path(__file__).resolve().parents[2]
# Vocabularies only the API has, declared once in the schema module that owns them.
API_ONLY = {OpinionDecision}


def _enums() -> dict[str, tuple[GraphQLEnumType, StrawberryEnumDefinition]]:
    found = {}
    for name, graphql_type in schema.graphql_schema.type_map.items():
        if isinstance(graphql_type, GraphQLEnumType) and not name.startswith("__"):
            definition = schema.get_type_by_name(name)
            assert isinstance(definition, StrawberryEnumDefinition)
            found[name] = (graphql_type, definition)
    return found


def test_every_graphql_enum_is_a_domain_enum_with_every_member_described() -> None:
    enums = _enums()
    assert len(enums) >= 20
    for name, (graphql_type, definition) in enums.items():
        members: list[Enum] = list(definition.wrapped_cls)
        assert [(value, member.value) for value, member in graphql_type.values.items()] == [
            (member.name, member.value) for member in members
        ], name
        assert all(member.description for member in graphql_type.values.values()), name
        owner = definition.wrapped_cls.__module__.partition(".")[0]
        assert owner in ("models", "resolvers") or definition.wrapped_cls in API_ONLY, (
            f"{name} is declared in {definition.wrapped_cls.__module__}: derive it from the domain's enum"
        )


def test_models_do_not_know_graphql() -> None:
    assert [path.name for path in (ROOT / "models").glob("*.py") if "strawberry" in path.read_text("utf-8")] == []


def test_a_member_without_a_description_is_refused_and_nothing_registered() -> None:
    class Colour(StrEnum):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(TypeError, match="members without a description: BLUE;"):
        described(Colour, "A colour.", {Colour.RED: "Red."})
    with pytest.raises(TypeError, match="members without a description: BLUE;"):
        described(Colour, "A colour.", {Colour.RED: "Red.", Colour.BLUE: ""})
    assert not has_enum_definition(Colour)


def test_a_description_of_something_else_is_refused() -> None:
    class Colour(Enum):
        RED = 1

    class Shape(Enum):
        ROUND = 1

    with pytest.raises(TypeError, match=r"descriptions of non-members: <Shape\.ROUND: 1>$"):
        described(Colour, "A colour.", {Colour.RED: "Red.", Shape.ROUND: "Round."})


def test_one_class_is_one_graphql_enum() -> None:
    class Colour(Enum):
        RED = 1

    described(Colour, "A colour.", {Colour.RED: "Red."}, name="Colour")
    with pytest.raises(TypeError, match="already the GraphQL enum Colour"):
        described(Colour, "Another vocabulary.", {Colour.RED: "Red."}, name="Paint")
    assert has_enum_definition(Colour)
    assert [(value.name, value.description) for value in Colour.__strawberry_definition__.values] == [("RED", "Red.")]
