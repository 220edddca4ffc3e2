"""Opaque Relay global IDs ("Type:id", base64) to database ids, with a clear error when they don't fit."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from strawberry import relay
from strawberry.dataloader import DataLoader

from resolvers.errors import InvalidInput

R = TypeVar("R")
N = TypeVar("N")


def db_id_of(node_id: str, argument: str = "id") -> int:
    if not node_id.isascii() or not node_id.isdecimal():
        raise InvalidInput(argument, "is not the ID of an existing object")
    return int(node_id)


def db_ids_of(node_ids: Iterable[str]) -> list[int]:
    return [db_id_of(node_id, "ids") for node_id in node_ids]


def db_id_for(global_id: relay.GlobalID, type_name: str, argument: str) -> int:
    """The database id inside a global ID that must name an object of `type_name`."""
    if global_id.type_name != type_name:
        raise InvalidInput(argument, f"must be the ID of a {type_name}, got one of a {global_id.type_name}")
    return db_id_of(global_id.node_id, argument)


def optional_db_id_for(global_id: relay.GlobalID | None, type_name: str, argument: str) -> int | None:
    return None if global_id is None else db_id_for(global_id, type_name, argument)


async def nodes_from(
    loader: DataLoader[int, R | None], node_ids: Iterable[str], convert: Callable[[R], N], required: bool
) -> list[N | None]:
    """`Node.resolve_nodes` for a type backed by a by-id loader."""
    rows = await loader.load_many(db_ids_of(node_ids))
    if required and any(row is None for row in rows):
        raise InvalidInput("ids", "names an object that does not exist")
    return [None if row is None else convert(row) for row in rows]
