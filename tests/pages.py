"""Relay connections walked both ways: forward with `first`/`after`, backward with `last`/`before`.

`fetch(**arguments)` returns one page of a connection as the API answers it, with `edges { cursor }` and
`pageInfo { hasNextPage hasPreviousPage startCursor endCursor }` selected.
"""

from collections.abc import Awaitable, Callable
from typing import Any

Fetch = Callable[..., Awaitable[dict[str, Any]]]


def _cursors(page: dict[str, Any]) -> list[str]:
    return [edge["cursor"] for edge in page["edges"]]


async def forward(fetch: Fetch, size: int) -> list[str]:
    """Every cursor, page by page from the start; checks each page's flags."""
    cursors: list[str] = []
    after = None
    for _ in range(1_000):
        page = await fetch(first=size, after=after)
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        cursors += _cursors(page)
        if not info["hasNextPage"]:
            return cursors
        assert len(page["edges"]) == size
        after = info["endCursor"]
    raise AssertionError("forward pagination did not end")


async def backward(fetch: Fetch, size: int) -> list[str]:
    """Every cursor, page by page from the end, put back in the list's order; checks each page's flags."""
    cursors: list[str] = []
    before = None
    for _ in range(1_000):
        page = await fetch(last=size, before=before)
        info = page["pageInfo"]
        assert info["hasNextPage"] is (before is not None)
        shown = _cursors(page)
        if shown:
            assert (info["startCursor"], info["endCursor"]) == (shown[0], shown[-1])
        cursors = shown + cursors
        if not info["hasPreviousPage"]:
            return cursors
        assert len(shown) == size
        before = info["startCursor"]
    raise AssertionError("backward pagination did not end")


async def both_ways(fetch: Fetch, size: int) -> list[str]:
    """Walks the list both ways, which must give the same rows in the same order, and takes the rows between two
    cursors with either direction; returns the cursors in the list's order."""
    ahead = await forward(fetch, size)
    assert await backward(fetch, size) == ahead
    if len(ahead) >= 4:
        after, before = ahead[0], ahead[-1]
        between = ahead[1:-1][:size]
        assert _cursors(await fetch(first=size, after=after, before=before)) == between
        assert _cursors(await fetch(last=size, after=after, before=before)) == ahead[1:-1][-size:]
    return ahead
