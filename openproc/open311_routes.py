"""Open311 GeoReport v2 read endpoints (JSON and XML), so existing Open311 clients can read OPEN.

GET /open311/discovery.{json,xml}  (Service Discovery: where the GeoReport v2 endpoint is)
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

from models import OPEN_CASE
from resolvers import open311
from resolvers.dataloaders import Sessions
from resolvers.errors import InvalidInput
from schema.forbidden_text import MESSAGE, has_forbidden, xml_safe
from schema.time import local, parse_instant
from schema.validation import MAX_LIST_ITEMS

# Service Discovery (wiki.open311.org/Service_Discovery). The changeset marks the last change of this document or
# of the service definitions; OPEN has none of the latter (every service's `metadata` is false), so it changes
# only with this code.
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06 00:00"
FORMATS = ["text/xml", "application/json"]
ITEMS = {"endpoints": "endpoint", "formats": "format"}


def _render(items: list[dict[str, Any]], fmt: str, root: str, element: str, status: int = 200) -> Response:
    if fmt == "json":
        return Response(json.dumps(items, ensure_ascii=False), status_code=status, media_type="application/json")
    tree = ElementTree.Element(root)
    for item in items:
        node = ElementTree.SubElement(tree, element)
        for key, value in item.items():
            ElementTree.SubElement(node, key).text = _xml_text(value)
    return Response(_xml_document(tree), status_code=status, media_type="text/xml")


def _xml_document(tree: ElementTree.Element) -> bytes:
    body: bytes = ElementTree.tostring(tree, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>' + body


def _xml_tree(parent: ElementTree.Element, name: str, value: Any) -> None:
    """Service Discovery's nesting, as the Spark convention maps it to JSON: a list is a wrapper element
    holding one element per item (`<formats><format>text/xml</format></formats>` for `"formats": [...]`)."""
    node = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_tree(node, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_tree(node, ITEMS[name], item)
    else:
        node.text = _xml_text(value)


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    # Input refuses what XML 1.0 forbids; rows older than that guard are escaped here, so one never breaks a feed.
    return str(value).lower() if isinstance(value, bool) else xml_safe(str(value))


def _error(fmt: str, code: int, description: str) -> Response:
    return _render([{"code": code, "description": description}], fmt, "errors", "error", status=code)


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = parse_instant(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidInput(name, "must be an ISO 8601 date-time (w3c format) in the years 1 to 9999") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _refused(query: dict[str, str]) -> str | None:
    """Why a request's parameters cannot be looked up at all, before anything reads the database."""
    if has_forbidden(query):
        return MESSAGE
    if len(query.get("service_request_id", "").split(",")) > MAX_LIST_ITEMS:
        return f"service_request_id: at most {MAX_LIST_ITEMS} ids"
    return None


def _request(item: open311.ServiceRequest) -> dict[str, Any]:
    case = item.case
    closed = case.status not in OPEN_CASE
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


def discovery(base_url: str) -> dict[str, Any]:
    """The discovery document for a server reached at `base_url` (with its trailing slash)."""
    return {
        "changeset": CHANGESET,
        "contact": f"OPEN, the public record of administrative processing: {base_url} (the GraphQL API and its "
        f"documented schema: {base_url}graphql)",
        "key_service": "No key is needed: every read is anonymous, rate-limited per client address.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base_url}open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": FORMATS,
            }
        ],
    }


def routes(sessions: Sessions) -> list[Route]:
    async def discover(request: Request) -> Response:
        document = discovery(str(request.base_url))
        if request.path_params["format"] == "json":
            return Response(json.dumps(document, ensure_ascii=False), media_type="application/json")
        tree = ElementTree.Element("discovery")
        for key, value in document.items():
            _xml_tree(tree, key, value)
        return Response(_xml_document(tree), media_type="text/xml")

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
        if (why := _refused(dict(query))) is not None:
            return _error(fmt, 400, why)
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
        if (why := _refused({"id": request.path_params["id"]})) is not None:
            return _error(fmt, 400, why)
        found = await open311.requests(sessions, ids=[request.path_params["id"]], now=datetime.now(UTC))
        if not found:
            return _error(fmt, 404, "no service request with that id")
        return _render([_request(found[0])], fmt, "service_requests", "request")

    return [
        Route("/open311/discovery.{format:str}", _formats(discover)),
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
