"""Vocabularies that grow kept in lookup tables: a new member needs no migration.

A CHECK constraint listing an enum's values has to be dropped and re-created, with the whole list copied into a
migration, each time a value is added; event kinds are added often. A lookup table holds one row per member
instead, the stored column refers to it, and `sync` inserts whatever members the code declares that the table
lacks after every upgrade (openproc/migrations/env.py). Members are never deleted: old events keep their kind.
"""

from enum import StrEnum

from sqlalchemy import Column, Connection, Enum, String, Table
from sqlalchemy.dialects.postgresql import insert

from models.base import Base
from models.enums import checked

LOOKUPS: dict[str, tuple[Table, type[StrEnum]]] = {}


def lookup_table(enum: type[StrEnum], name: str) -> Table:
    """The table `name` holding one row per member of `enum`, registered for `sync`."""
    table = Table(name, Base.metadata, Column("name", String(32), primary_key=True))
    LOOKUPS[name] = (table, enum)
    return table


def looked_up(enum: type[StrEnum]) -> Enum:
    """A VARCHAR column of `enum`'s values, checked by a foreign key to its lookup table rather than a CHECK."""
    return checked(enum, constraint=False)


def sync(connection: Connection) -> None:
    """Insert every declared member missing from its lookup table."""
    for table, enum in LOOKUPS.values():
        connection.execute(insert(table).values([{"name": member.value} for member in enum]).on_conflict_do_nothing())
