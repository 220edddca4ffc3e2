"""A node type built from its database row: a field named like a column of the row takes that column's value.

The same rule lets readpath/tables.py read such a field straight from the column, so a plain column is declared once
in the model and once as a GraphQL field. Instants are shown in Seoul time on both paths (`schema.time.local` here,
`seoul_time` there). What differs from the row otherwise (a renamed column, a computed value) is passed
explicitly, and the compiled path writes its own SQL for it.
"""

import dataclasses
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Protocol, TypeVar

from schema.time import local


class Dataclass(Protocol):
    """What `dataclasses.fields` accepts; Strawberry types are dataclasses."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]


T = TypeVar("T", bound=Dataclass)


@cache
def _init_names(cls: type[Dataclass]) -> tuple[str, ...]:
    """The constructor's fields, public and `strawberry.Private` alike; resolvers are not among them."""
    return tuple(field.name for field in dataclasses.fields(cls) if field.init)


def from_row(cls: type[T], row: object, /, **overrides: object) -> T:
    """`cls` with every field read from the same-named attribute of `row`, except those given in `overrides`."""
    values = {name: _attribute(cls, row, name) for name in _init_names(cls) if name not in overrides}
    return cls(**values, **overrides)


def _attribute(cls: type, row: object, name: str) -> object:
    try:
        value = getattr(row, name)
    except AttributeError:
        # The default message names the row's class only; say which field wanted it and how to provide it.
        raise AttributeError(
            f"{cls.__name__}.{name}: {type(row).__name__} has no attribute {name!r}; pass {name}=… to from_row"
        ) from None
    return local(value) if isinstance(value, datetime) else value
