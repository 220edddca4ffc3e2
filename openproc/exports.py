"""Open-data files: the BLDS permits export and its status history, as CSV or JSON, by CLI or HTTP download."""

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from resolvers import blds
from resolvers.dataloaders import Sessions

DATASETS = {"permits": blds.PERMIT_COLUMNS, "permit_status": blds.STATUS_COLUMNS}


async def rows_of(sessions: Sessions, dataset: str) -> list[dict[str, Any]]:
    return await (blds.permits(sessions) if dataset == "permits" else blds.status_history(sessions))


def render(rows: list[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows({key: _inert(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


# OWASP's CSV injection rule: a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made plain text by a leading apostrophe (numbers stay numbers)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def routes(sessions: Sessions) -> list[Route]:
    async def download(request: Request) -> Response:
        dataset, fmt = request.path_params["dataset"], request.path_params["format"]
        if dataset not in DATASETS or fmt not in ("csv", "json"):
            return Response("unknown export: /exports/blds/{permits,permit_status}.{csv,json}\n", status_code=404)
        body = render(await rows_of(sessions, dataset), DATASETS[dataset], fmt)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        headers = {"content-disposition": f'attachment; filename="{dataset}.{fmt}"'}
        return Response(body, media_type=media, headers=headers)

    return [Route("/exports/blds/{dataset:str}.{format:str}", download)]
