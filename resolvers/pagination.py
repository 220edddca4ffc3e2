"""Keyset pagination: opaque cursors that name their ordering, and pages fetched with one extra row."""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, literal, tuple_

from resolvers.errors import InvalidInput

T = TypeVar("T")
M = TypeVar("M")

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


def page_size(size: int | None, argument: str = "first") -> int:
    if size is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(argument, f"must be between 0 and {MAX_PAGE_SIZE}, got {size}")
    return size


@dataclass(frozen=True)
class Slice:
    """Which rows of a list a page holds, as Relay's connections ask: the `first` rows after `after`, or the `last`
    rows before `before` (backward); either cursor bounds the page in both directions."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None:
            raise InvalidInput("last", "give `first` or `last`, not both")
        page_size(self.first, "first")
        page_size(self.last, "last")

    @property
    def backward(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        return page_size(self.last, "last") if self.backward else page_size(self.first, "first")

    def flags(self, more: M) -> tuple[M | bool, M | bool]:
        """(hasNextPage, hasPreviousPage), given whether rows lie beyond the page in the direction it was taken:
        toward the cursor it started from, Relay lets a server answer cheaply (true when a cursor was given)."""
        return (self.before is not None, more) if self.backward else (more, self.after is not None)


def encode_cursor(ordering: str, value: CursorValue, row_id: int) -> str:
    tagged = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([ordering, tagged, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str, ordering: str, value_type: type[CursorValue], argument: str = "after"
) -> tuple[CursorValue, int]:
    """Return the (value, id) a cursor points at; it must come from a list in the same ordering."""
    problem = InvalidInput(argument, "is not a cursor of this list in this order")
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


def keyset(
    statement: Select[Any],
    window: Slice,
    ordering: str,
    row_id: SQLColumnExpression[int],
    key: tuple[SQLColumnExpression[Any], type[CursorValue]] | None = None,
    ascending: bool = True,
) -> Select[Any]:
    """The statement narrowed to the window's rows and ordered as they are fetched, with one extra row to tell that
    more lie beyond: the list's order (by `key`, then `row_id`; by `row_id` alone when it is the key), reversed when
    the page is taken backward. `build_page` turns them back."""
    column, value_type = key if key is not None else (row_id, int)
    pair = tuple_(column, row_id) if key is not None else row_id

    def beyond(cursor: str, argument: str, later: bool) -> ColumnElement[bool]:
        value, at = decode_cursor(cursor, ordering, value_type, argument)
        bound = tuple_(literal(value), literal(at)) if key is not None else literal(at)
        return pair > bound if later == ascending else pair < bound

    if window.after is not None:
        statement = statement.where(beyond(window.after, "after", later=True))
    if window.before is not None:
        statement = statement.where(beyond(window.before, "before", later=False))
    forward = ascending != window.backward
    order = [column, row_id] if key is not None else [row_id]
    return statement.order_by(*(part.asc() if forward else part.desc() for part in order)).limit(window.size + 1)


def build_page(
    rows: Sequence[T],
    window: Slice,
    cursor_of: Callable[[T], str],
    count: Callable[[], Awaitable[int]],
) -> Page[T]:
    """Rows as `keyset` fetched them, in the list's order: the extra row only tells that more lie beyond."""
    shown = list(rows[: window.size])
    if window.backward:
        shown.reverse()
    has_next, has_previous = window.flags(len(rows) > window.size)
    return Page(
        rows=shown,
        cursors=[cursor_of(row) for row in shown],
        has_next=has_next,
        has_previous=has_previous,
        count=count,
    )
