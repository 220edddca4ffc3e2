"""Open311 GeoReport v2 and the BLDS export: the formats civic tools already read."""

import asyncio
import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from openproc.app import create_app
from openproc.exports import render
from openproc.settings import Settings
from seed.generator import ROW_TYPES, Dataset
from tests.helpers import Officers
from tests.schema.mutations.workflow import Desk

# GeoReport v2's fields (wiki.open311.org/GeoReport_v2).
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}

# Service Discovery's fields (wiki.open311.org/Service_Discovery): all required.
DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]


async def test_services_list_every_task_type(client: httpx.AsyncClient, demo: Dataset) -> None:
    services = (await client.get("/open311/v2/services.json")).json()
    assert len(services) == len(demo.rows["task_type"])
    assert all(set(service) == SERVICE_FIELDS for service in services)
    assert {service["type"] for service in services} == {"realtime"}


async def test_requests_carry_the_spec_fields_and_filter(client: httpx.AsyncClient, demo: Dataset) -> None:
    columns = ROW_TYPES["case"]._fields
    newest_open = next(row for row in reversed(demo.rows["case"]) if row[columns.index("status")] == "in_progress")
    code = next(row[1] for row in demo.rows["task_type"] if row[0] == newest_open[columns.index("task_type_id")])
    open_permits = (
        await client.get("/open311/v2/requests.json", params={"status": "open", "service_code": code})
    ).json()
    closed = (await client.get("/open311/v2/requests.json", params={"status": "closed"})).json()

    assert open_permits
    assert all(set(item) == REQUEST_FIELDS for item in open_permits + closed)
    assert {item["status"] for item in open_permits} == {"open"}
    assert {item["service_code"] for item in open_permits} == {code}
    assert {item["status"] for item in closed} == {"closed"}
    assert all(item["expected_datetime"].endswith("+09:00") for item in closed)


async def test_one_request_in_json_and_xml(client: httpx.AsyncClient, demo: Dataset) -> None:
    receipt_no = demo.rows["case"][-1][ROW_TYPES["case"]._fields.index("receipt_no")]
    as_json = (await client.get(f"/open311/v2/requests/{receipt_no}.json")).json()
    as_xml = ElementTree.fromstring((await client.get(f"/open311/v2/requests/{receipt_no}.xml")).content)

    assert [item["service_request_id"] for item in as_json] == [receipt_no]
    assert as_xml.tag == "service_requests"
    assert as_xml.findtext("request/service_request_id") == receipt_no
    assert {child.tag for child in as_xml.find("request") or []} == REQUEST_FIELDS


async def test_open311_errors_follow_the_spec(client: httpx.AsyncClient) -> None:
    missing = await client.get("/open311/v2/requests/NO-SUCH.json")
    bad = await client.get("/open311/v2/requests.json", params={"start_date": "yesterday"})
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "no service request with that id"}]
    assert bad.status_code == 400
    assert "start_date" in bad.json()[0]["description"]


@pytest.mark.parametrize(
    ("path", "said"),
    [
        # Instants outside what PostgreSQL and Python both hold once in UTC (they were a masked HTTP 500).
        ("/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B14:00", "start_date"),
        ("/open311/v2/requests.json?end_date=9999-12-31T23:59:59-14:00", "end_date"),
        # NUL, which PostgreSQL refuses in text (also a 500), and the other characters XML 1.0 forbids.
        ("/open311/v2/requests.json?service_code=BLD%00PMT", "control characters"),
        ("/open311/v2/requests.json?status=open%0B", "control characters"),
        ("/open311/v2/requests.json?service_request_id=2026-BLD-PMT-00018%00", "control characters"),
        ("/open311/v2/requests/2026-BLD-PMT-00018%00.json", "control characters"),
        ("/open311/v2/requests.xml?service_request_id=" + ",".join(["X"] * 101), "at most 100 ids"),
    ],
)
async def test_open311_refuses_what_it_cannot_look_up_with_a_400(
    client: httpx.AsyncClient, path: str, said: str
) -> None:
    answer = await client.get(path)
    assert answer.status_code == 400
    if path.split("?")[0].endswith(".xml"):
        assert said in ElementTree.fromstring(answer.content).findtext("error/description", "")
    else:
        assert said in answer.json()[0]["description"]


async def test_discovery_points_at_the_georeport_v2_endpoint(client: httpx.AsyncClient) -> None:
    document = (await client.get("/open311/discovery.json")).json()
    elsewhere = (await client.get("/open311/discovery.json", headers={"host": "open.example.go.kr"})).json()

    assert list(document) == DISCOVERY_FIELDS
    assert all(isinstance(document[name], str) and document[name] for name in DISCOVERY_FIELDS[:3])
    [endpoint] = document["endpoints"]
    assert list(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert elsewhere["endpoints"][0]["url"] == "http://open.example.go.kr/open311/v2"
    # A client appends the resource to the endpoint's URL.
    services = await client.get(endpoint["url"].removeprefix("http://testserver") + "/services.json")
    assert services.status_code == 200


async def test_discovery_in_xml_says_the_same(client: httpx.AsyncClient) -> None:
    response = await client.get("/open311/discovery.xml")
    as_json = (await client.get("/open311/discovery.json")).json()
    root = ElementTree.fromstring(response.content)

    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert root.tag == "discovery"
    assert [child.tag for child in root] == DISCOVERY_FIELDS
    assert {name: root.findtext(name) for name in DISCOVERY_FIELDS[:3]} == {
        name: as_json[name] for name in DISCOVERY_FIELDS[:3]
    }
    [endpoint] = root.findall("endpoints/endpoint")
    assert [child.tag for child in endpoint] == ENDPOINT_FIELDS
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("changeset") == as_json["endpoints"][0]["changeset"]
    assert endpoint.findtext("type") == "production"
    assert [node.text for node in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


async def test_blds_permits_and_status_history_download(client: httpx.AsyncClient, demo: Dataset) -> None:
    permits = list(csv.DictReader(io.StringIO((await client.get("/exports/blds/permits.csv")).text)))
    history = (await client.get("/exports/blds/permit_status.json")).json()

    enforcement = {row[0] for row in demo.rows["task_type"] if row[3] == "enforcement"}
    expected = sum(
        1 for row in demo.rows["case"] if row[ROW_TYPES["case"]._fields.index("task_type_id")] not in enforcement
    )
    assert len(permits) == expected
    assert {"PermitNum", "AppliedDate", "StatusCurrent", "StatusCurrentMapped", "OriginalAddress1"} <= set(permits[0])
    assert {row["StatusCurrentMapped"] for row in permits} <= {
        "Application Accepted",
        "In Review",
        "Permit Issued",
        "Permit Denied",
        "Permit Withdrawn",
    }
    issued = next(row for row in permits if row["StatusCurrent"] == "completed")
    changes = [change for change in history if change["PermitNum"] == issued["PermitNum"]]
    assert changes[0]["StatusPrevious"] is None
    assert changes[-1]["StatusCurrent"] == "completed"
    applicants = {row[1] for row in demo.rows["applicant"]}
    assert not any(name in json.dumps(permits, ensure_ascii=False) for name in list(applicants)[:200])


async def test_a_crowd_shares_one_export_until_the_log_moves_and_it_ages(write_url: str) -> None:
    # No in-flight cap: the crowd is to meet the build, not the admission queue (tests/test_admission.py).
    app = create_app(write_url, Settings(db_pool_size=2, export_max_age_s=0, max_in_flight=0))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        exports = app.state.exports
        crowd = await asyncio.gather(*(http.get("/exports/blds/permit_status.csv") for _ in range(20)))
        assert {response.status_code for response in crowd} == {200}
        assert len({response.content for response in crowd}) == 1
        assert exports.builds == 1, "twenty downloads at once, one build"
        tag = crowd[0].headers["etag"]
        assert crowd[0].headers["cache-control"] == "public, max-age=0"

        again = await http.get("/exports/blds/permit_status.csv")
        assert (again.headers["etag"], exports.builds) == (tag, 1), "the log has not moved: the same file"

        await Desk(http, Officers(write_url)).register()
        moved = await http.get("/exports/blds/permit_status.csv")
        assert moved.headers["etag"] != tag
        assert exports.builds == 2
        assert len(moved.content) > len(crowd[0].content), "the new case's status is in the new file"


def test_the_cli_writes_the_export(database_url: str, demo: Dataset, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "openproc.cli", "export", "blds", "--out", str(tmp_path), "--format", "json"],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    permits = json.loads((tmp_path / "permits.json").read_text(encoding="utf-8"))
    assert permits
    assert (tmp_path / "permit_status.json").exists()


async def test_a_control_character_stored_before_the_guard_does_not_break_the_xml_feed(
    writer: httpx.AsyncClient, officers: Officers, desk: Desk
) -> None:
    receipt = (await desk.register())["case"]["receiptNo"]
    # Written past the API (as rows from before its input guard were), so only the output's escaping stands.
    await officers.fetchval("UPDATE \"case\" SET title = 'a\x0bb' WHERE receipt_no = $1 RETURNING id", receipt)
    feed = await writer.get(f"/open311/v2/requests/{receipt}.xml")
    (title,) = ElementTree.fromstring(feed.content).iter("description")
    assert title.text == "a\ufffdb"


def test_csv_cells_that_a_spreadsheet_would_run_are_inert() -> None:
    rows = [{"title": '=HYPERLINK("http://evil.example","x")', "note": "@SUM(1)", "count": -3, "plain": "- a"}]
    written = render(rows, ["title", "note", "count", "plain"], "csv")
    (row,) = csv.DictReader(io.StringIO(written))
    assert row == {
        "title": '\'=HYPERLINK("http://evil.example","x")',
        "note": "'@SUM(1)",
        "count": "-3",
        "plain": "'- a",
    }
