"""Open-data files: the BLDS permits export and its status history, as CSV or JSON, by CLI or HTTP download.

A file is built a batch of rows at a time (the event loop serves other requests in between) and kept: the same
file is served to everyone until the log has moved and it is older than EXPORT_MAX_AGE_S, and one build at a time
runs per file however many ask for it.
"""

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from resolvers import blds, progress
from resolvers.dataloaders import Sessions
from resolvers.reads import Position, Router

DATASETS = {"permits": blds.PERMIT_COLUMNS, "permit_status": blds.STATUS_COLUMNS}
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def rows_of(sessions: Sessions, dataset: str) -> AsyncIterator[list[dict[str, Any]]]:
    return blds.permits(sessions) if dataset == "permits" else blds.status_history(sessions)


def render(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """One whole file of these rows."""
    rows = list(rows)
    return _head(columns, fmt) + _chunk(rows, columns, fmt, first=True) + _tail(fmt)


async def build(sessions: Sessions, dataset: str, fmt: str) -> bytes:
    """The file, rendered a batch at a time."""
    columns, parts, first = DATASETS[dataset], [], True
    parts.append(_head(columns, fmt))
    async for batch in rows_of(sessions, dataset):
        if batch:
            parts.append(_chunk(batch, columns, fmt, first))
            first = False
    parts.append(_tail(fmt))
    return "".join(parts).encode()


def _head(columns: Sequence[str], fmt: str) -> str:
    if fmt == "json":
        return "["
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=list(columns)).writeheader()
    return buffer.getvalue()


def _chunk(rows: list[dict[str, Any]], columns: Sequence[str], fmt: str, first: bool) -> str:
    if fmt == "json":
        separator = "\n" if first else ",\n"
        return separator + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) if rows else ""
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=list(columns)).writerows(
        {key: _inert(value) for key, value in row.items()} for row in rows
    )
    return buffer.getvalue()


def _tail(fmt: str) -> str:
    return "\n]\n" if fmt == "json" else ""


# OWASP's CSV injection rule: a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made plain text by a leading apostrophe (numbers stay numbers)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


@dataclass
class Built:
    body: bytes
    sequence: int
    at: float


class Exports:
    """The files as last built, rebuilt when the log has moved and they are older than `max_age_s`."""

    def __init__(self, reads: Router, max_age_s: float) -> None:
        self.reads, self.max_age_s = reads, max_age_s
        self.built: dict[tuple[str, str], Built] = {}
        self.locks: dict[tuple[str, str], asyncio.Lock] = {}
        # Files built since the process started (tests check that a crowd shares one build).
        self.builds = 0

    def _fresh(self, key: tuple[str, str], sequence: int) -> Built | None:
        found = self.built.get(key)
        if found is None:
            return None
        if found.sequence == sequence or time.monotonic() - found.at < self.max_age_s:
            return found
        return None

    async def get(self, dataset: str, fmt: str) -> Built:
        key = (dataset, fmt)
        sequence = await progress.last_sequence(self.reads.primary.sessions)
        if (found := self._fresh(key, sequence)) is not None:
            return found
        async with self.locks.setdefault(key, asyncio.Lock()):
            if (found := self._fresh(key, sequence)) is not None:
                return found
            # Built from a standby that holds what the file's ETag names, when one does: the heaviest public read.
            source = await self.reads.reader(Position(seq=sequence))
            body = await build(source.sessions, dataset, fmt)
            self.builds += 1
            self.built[key] = Built(body, sequence, time.monotonic())
            return self.built[key]

    def routes(self) -> list[Route]:
        async def download(request: Request) -> Response:
            dataset, fmt = request.path_params["dataset"], request.path_params["format"]
            if dataset not in DATASETS or fmt not in FORMATS:
                return Response("unknown export: /exports/blds/{permits,permit_status}.{csv,json}\n", status_code=404)
            built = await self.get(dataset, fmt)
            headers = {
                "content-disposition": f'attachment; filename="{dataset}.{fmt}"',
                # The file as of this event sequence; caches in front may keep it as long as the server does.
                "etag": f'"{dataset}-{built.sequence}"',
                "cache-control": f"public, max-age={int(self.max_age_s)}",
            }
            return Response(built.body, media_type=FORMATS[fmt], headers=headers)

        return [Route("/exports/blds/{dataset:str}.{format:str}", download)]
