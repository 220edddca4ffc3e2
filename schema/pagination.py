from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import relay

from resolvers.pagination import Page

R = TypeVar("R")
N = TypeVar("N", bound=relay.Node)

FirstArgument = Annotated[int | None, strawberry.argument(description="Page size, at most 100 (default 20).")]
AfterArgument = Annotated[
    str | None, strawberry.argument(description="Cursor after which the page starts (a previous `endCursor`).")
]
LastArgument = Annotated[
    int | None,
    strawberry.argument(
        description="Page size, at most 100, counted back from `before` or the end (not with `first`)."
    ),
]
BeforeArgument = Annotated[
    str | None, strawberry.argument(description="Cursor before which the page ends (a previous `startCursor`).")
]


def edges_of(page: Page[R], convert: Callable[[R], N]) -> list[relay.Edge[N]]:
    return [relay.Edge(cursor=cursor, node=convert(row)) for row, cursor in zip(page.rows, page.cursors, strict=True)]


def page_info_of(page: Page[Any]) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
