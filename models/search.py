"""The stored search grams each searchable table carries (migration 0006 creates the `search_grams` function)."""

from sqlalchemy import Computed, Index, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import MappedColumn, mapped_column


def search_grams_column(*fields: str) -> MappedColumn[list[str] | None]:
    """The distinct character bigrams of `fields`, kept by PostgreSQL itself, so no writer can forget them.

    Deferred with raiseload: reads of the public API never need the grams, only the search's SQL does, and an
    accidental access must fail loudly instead of issuing hidden I/O.
    """
    source = " || ' ' || ".join(fields)
    return mapped_column(
        ARRAY(Text),
        Computed(f"search_grams({source})", persisted=True),
        deferred=True,
        deferred_raiseload=True,
    )


def search_grams_index(table: str) -> Index:
    """GIN over the grams (core `array_ops`): candidates are found with `&&`, no contrib extension needed."""
    return Index(f"ix_{table}_search_grams", "search_grams", postgresql_using="gin")
