"""A GraphQL enum is the domain's own Python enum; the schema adds only what the API says about it, its descriptions.

So a vocabulary's members are declared once, where the domain owns them, and resolvers and types pass those
members as they are. Strawberry reads value descriptions only from `strawberry.enum_value` members in the class
body, which the domain cannot declare (`models/` does not import strawberry); they are set here instead.
"""

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

E = TypeVar("E", bound=Enum)


def described(enum: type[E], description: str, values: Mapping[E, str], *, name: str | None = None) -> None:
    """Register `enum` itself as the GraphQL enum `name` (default: the class name), with one description per member.

    Raises at import, before registering anything, when a member has no description (a new member would otherwise
    ship undocumented), when a description is for something that is not a member, or when the class is already a
    GraphQL enum: a class carries one definition, so a second vocabulary needs its own class.
    """
    if has_enum_definition(enum):
        raise TypeError(f"{enum.__name__} is already the GraphQL enum {enum.__strawberry_definition__.name}")
    undocumented = [member.name for member in enum if not values.get(member)]
    strays = [repr(key) for key in values if not isinstance(key, enum)]
    if undocumented or strays:
        raise TypeError(
            f"{enum.__name__}: members without a description: {', '.join(undocumented) or 'none'}; "
            f"descriptions of non-members: {', '.join(strays) or 'none'}"
        )
    by_name = {member.name: text for member, text in values.items()}
    strawberry.enum(enum, name=name, description=description)
    assert has_enum_definition(enum)
    # Strawberry names each GraphQL value after its member (`graphql_name_from="key"`, the default).
    for value in enum.__strawberry_definition__.values:
        value.description = by_name[value.name]
