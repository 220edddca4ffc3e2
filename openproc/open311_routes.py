"""Open311 GeoReport v2 read endpoints (JSON and XML), so existing Open311 clients can read OPEN.

GET /open311/v2/services.{json,xml}
GET /open311/v2/requests.{json,xml}?service_request_id=&service_code=&start_date=&end_date=&status=
GET /open311/v2/requests/{service_request_id}.{json,xml}
"""

import json
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from resolvers import open311
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput
from schema.time import local


def _render(items: list[dict[str, Any]], fmt: str, root: str, element: str, status: int = 200) -> Response:
    if fmt == "json":
        return Response(json.dumps(items, ensure_ascii=False), status_code=status, media_type="application/json")
    tree = ElementTree.Element(root)
    for item in items:
        node = ElementTree.SubElement(tree, element)
        for key, value in item.items():
            ElementTree.SubElement(node, key).text = _xml_text(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(tree, encoding="utf-8")
    return Response(body, status_code=status, media_type="text/xml")


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _error(fmt: str, code: int, description: str) -> Response:
    return _render([{"code": code, "description": description}], fmt, "errors", "error", status=code)


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidInput(name, "must be an ISO 8601 date-time (w3c format)") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _request(item: open311.ServiceRequest) -> dict[str, Any]:
    case = item.case
    closed = case.status not in open311.OPEN
    notes = case.result if closed else (f"진행 중: {item.current_step}" if item.current_step else None)
    return {
        "service_request_id": case.receipt_no,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": item.service_name,
        "service_code": item.service_code,
        "description": case.title,
        "agency_responsible": item.agency,
        "service_notice": None,
        "requested_datetime": local(case.received_at).isoformat(),
        "updated_datetime": local(item.updated_at).isoformat(),
        "expected_datetime": local(case.due_at).isoformat(),
        "address": case.location,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def routes(sessions: Sessions) -> list[Route]:
    async def services(request: Request) -> Response:
        fmt = request.path_params["format"]
        rows = await open311.services(sessions)
        return _render(
            [
                {
                    "service_code": row.code,
                    "service_name": row.name,
                    "description": row.description,
                    "metadata": False,
                    "type": "realtime",
                    "keywords": row.category.value,
                    "group": row.category.value,
                }
                for row in rows
            ],
            fmt,
            "services",
            "service",
        )

    async def requests(request: Request) -> Response:
        fmt, query = request.path_params["format"], request.query_params
        try:
            found = await open311.requests(
                sessions,
                ids=[part for part in query.get("service_request_id", "").split(",") if part] or None,
                service_code=query.get("service_code") or None,
                start=_instant(query.get("start_date"), "start_date"),
                end=_instant(query.get("end_date"), "end_date"),
                status=query.get("status") or None,
                now=datetime.now(UTC),
            )
        except InvalidInput as error:
            return _error(fmt, 400, str(error))
        return _render([_request(item) for item in found], fmt, "service_requests", "request")

    async def one_request(request: Request) -> Response:
        fmt = request.path_params["format"]
        found = await open311.requests(sessions, ids=[request.path_params["id"]], now=datetime.now(UTC))
        if not found:
            return _error(fmt, 404, "no service request with that id")
        return _render([_request(found[0])], fmt, "service_requests", "request")

    return [
        Route("/open311/v2/services.{format:str}", _formats(services)),
        Route("/open311/v2/requests.{format:str}", _formats(requests)),
        Route("/open311/v2/requests/{id:str}.{format:str}", _formats(one_request)),
    ]


def _formats(handler: Any) -> Any:
    async def checked(request: Request) -> Response:
        if request.path_params["format"] not in ("json", "xml"):
            return _error("json", 404, "use .json or .xml")
        response: Response = await handler(request)
        return response

    return checked
