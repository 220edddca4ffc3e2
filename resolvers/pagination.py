"""Keyset pagination: opaque cursors that name their ordering, and pages fetched with one extra row."""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from resolvers.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 100
# What a BIGINT holds: a cursor's id or value beyond it is no row's (and would fail in the database).
INT64 = (-(2**63), 2**63 - 1)
DEFAULT_PAGE_SIZE = 20

CursorValue = int | str | datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with a cursor per row and a lazily computed total."""

    rows: Sequence[T]
    cursors: Sequence[str]
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]]


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput("first", f"must be between 0 and {MAX_PAGE_SIZE}, got {first}")
    return first


def encode_cursor(ordering: str, value: CursorValue, row_id: int) -> str:
    tagged = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([ordering, tagged, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: str, value_type: type[CursorValue]) -> tuple[CursorValue, int]:
    """Return the (value, id) a cursor points after; it must come from a list in the same ordering."""
    problem = InvalidInput("after", "is not a cursor of this list in this order")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, value, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as error:
        raise problem from error
    if name != ordering or not isinstance(row_id, int) or not INT64[0] <= row_id <= INT64[1]:
        raise problem
    if value_type is datetime:
        if not isinstance(value, str):
            raise problem
        try:
            moment = datetime.fromisoformat(value)
            moment.astimezone(UTC)  # an instant the database can hold
        except (ValueError, OverflowError) as error:
            raise problem from error
        return moment, row_id
    if not isinstance(value, value_type) or (isinstance(value, int) and not INT64[0] <= value <= INT64[1]):
        raise problem
    return value, row_id


def build_page(
    rows: Sequence[T],
    size: int,
    after: str | None,
    cursor_of: Callable[[T], str],
    count: Callable[[], Awaitable[int]],
) -> Page[T]:
    """Rows were fetched with `limit size + 1`: the extra row only tells that a next page exists."""
    shown = rows[:size]
    return Page(
        rows=shown,
        cursors=[cursor_of(row) for row in shown],
        has_next=len(rows) > size,
        has_previous=after is not None,
        count=count,
    )
