"""docs/deprecation.md, enforced: a deprecation names its replacement and its removal date, and nothing deprecated
outlives that date."""

import re
from datetime import date

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

from schema import schema

REASON = re.compile(r"^(Use `\w+` instead|No replacement: [^;]+); removed after (\d{4}-\d{2}-\d{2})\.$")


def deprecations(graphql_schema: GraphQLSchema) -> dict[str, str]:
    """Every deprecated field, argument, input field and enum value, with its reason."""
    found: dict[str, str | None] = {}
    for name, graphql_type in graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                found[f"{name}.{field_name}"] = field.deprecation_reason
                found |= {f"{name}.{field_name}({arg})": value.deprecation_reason for arg, value in field.args.items()}
        elif isinstance(graphql_type, GraphQLInputObjectType):
            found |= {f"{name}.{field}": value.deprecation_reason for field, value in graphql_type.fields.items()}
        elif isinstance(graphql_type, GraphQLEnumType):
            found |= {f"{name}.{value}": member.deprecation_reason for value, member in graphql_type.values.items()}
    return {place: reason for place, reason in found.items() if reason}


def violations(graphql_schema: GraphQLSchema, today: date) -> list[str]:
    wrong = []
    for place, reason in deprecations(graphql_schema).items():
        match = REASON.match(reason)
        if match is None:
            wrong.append(f"{place}: reason {reason!r} does not follow docs/deprecation.md")
        elif date.fromisoformat(match.group(2)) < today:
            wrong.append(f"{place}: its removal date {match.group(2)} has passed: remove it")
    return wrong


def test_every_deprecation_follows_the_policy() -> None:
    assert violations(build_schema(schema.as_str()), date.today()) == []


def test_the_policy_check_catches_a_vague_reason_and_an_overdue_field() -> None:
    sample = build_schema(
        """
        enum Kind { A B @deprecated(reason: "Use `A` instead; removed after 2030-01-01.") }
        type Query {
          kept(kind: Kind): Int @deprecated(reason: "Use `kind` instead; removed after 2030-01-01.")
          vague: Int @deprecated(reason: "old")
          overdue: Int @deprecated(reason: "No replacement: nobody read it; removed after 2026-01-01.")
        }
        """
    )
    assert violations(sample, date(2026, 12, 6)) == [
        "Query.vague: reason 'old' does not follow docs/deprecation.md",
        "Query.overdue: its removal date 2026-01-01 has passed: remove it",
    ]
    assert set(deprecations(sample)) == {"Kind.B", "Query.kept", "Query.vague", "Query.overdue"}
