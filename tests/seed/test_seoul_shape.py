"""The seoul demo data looks like Seoul: City Hall and the 25 district offices, each task at the unit the law gives
it in the district of its address, roads of that district, counters open in office hours, entries typed in working
hours, returns for supplements that resume, and every due time planned from the receipt as live intake plans it."""

import json
import re
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime, time
from typing import Any

import pytest

from resolvers.statutory_clock import SEOUL, add_working_hours, due_at, is_working_day, working_hours_between
from seed import seoul
from seed.catalog import TASKS
from seed.generator import Dataset, generate
from seed.scale import SCALES

# A Thursday afternoon: the data's "now" lies in working hours, as an entry clamped to it does.
AS_OF = datetime(2026, 11, 26, 15, tzinfo=SEOUL)
SPECS = {spec.code: spec for spec in TASKS}


def _rows(data: Dataset, table: str) -> list[dict[str, Any]]:
    return [row._asdict() for row in data.rows[table]]


def _names(units: tuple[seoul.Unit, ...]) -> list[str]:
    return [name for unit in units for name in (unit.name, *_names(unit.units))]


@pytest.fixture(scope="module")
def data() -> Dataset:
    # Every district and unit at full size; cases at a tenth (the same mix).
    scale = SCALES["seoul"]
    return generate(replace(scale, cases=scale.cases // 10), AS_OF, set(), seed=1999)


@pytest.fixture(scope="module")
def units(data: Dataset) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in _rows(data, "department")}


def _above(units: dict[int, dict[str, Any]], unit_id: int) -> list[dict[str, Any]]:
    return [units[int(part)] for part in units[unit_id]["path"].strip("/").split("/")]


def _district(location: str) -> seoul.District:
    return next(d for d in seoul.DISTRICTS if d.name in location.split())


def test_seoul_scale_matches_the_first_year(data: Dataset) -> None:
    assert len(data.rows["officer"]) == 5_000
    assert len(data.rows["task_type"]) == 54
    # Seoul's first year: 27,000 cases and about 125,000 steps and documents.
    assert 115_000 <= len(data.rows["step"]) * 10 <= 135_000
    assert 115_000 <= len(data.rows["document"]) * 10 <= 135_000


def test_city_hall_and_the_25_district_offices_with_their_units(units: dict[int, dict[str, Any]]) -> None:
    offices = [row for row in units.values() if row["level"] == "district"]
    assert sorted(row["name"] for row in offices) == sorted(f"{name}청" for name in seoul.DISTRICT_NAMES)
    for office in offices:
        below = [row["name"] for row in units.values() if row["path"].startswith(office["path"]) and row != office]
        assert sorted(below) == sorted(_names(seoul.DISTRICT_OFFICE))
    bureaus = [row for row in units.values() if row["level"] == "bureau"]
    assert len([row for row in bureaus if row["name"].endswith("소방서")]) == 25
    assert len([row for row in bureaus if row["name"].endswith("교육지원청")]) == 11
    assert {row["name"] for row in bureaus if row["parent_id"] == 1} == {unit.name for unit in seoul.CITY_HALL}


def test_every_task_type_names_its_unit_and_the_law_that_gives_it() -> None:
    assert {spec.handled_by for spec in TASKS} <= set(seoul.TEAMS)
    for spec in TASKS:
        assert re.search(r"제\d+조", spec.authority), spec.code


def test_enforcement_claims_no_processing_period_in_law(data: Dataset) -> None:
    for row in _rows(data, "task_type"):
        enforcement = row["category"] == "enforcement"
        assert row["period_in_law"] is not enforcement, row["code"]
        assert ("법정처리기간은 없으며" in row["description"]) is enforcement, row["code"]


def test_each_case_goes_to_its_unit_in_the_district_of_its_address(
    data: Dataset, units: dict[int, dict[str, Any]]
) -> None:
    teams = seoul.TEAMS
    codes = {row["id"]: row["code"] for row in _rows(data, "task_type")}
    kinds: Counter[str] = Counter()
    for case in _rows(data, "case"):
        spec, district = SPECS[codes[case["task_type_id"]]], _district(case["location"])
        line = _above(units, case["department_id"])
        assert line[-1]["name"] == teams[spec.handled_by], case["receipt_no"]
        kind = spec.handled_by.split(".")[0]
        kinds[kind] += 1
        office = {
            "gu": f"{district.name}청",
            "fire": f"{district.fire_station}소방서",
            "edu": f"{district.education_office}교육지원청",
            "city": None,
        }[kind]
        if office is None:
            assert line[1]["level"] == "bureau", case["receipt_no"]
        else:
            assert office in [unit["name"] for unit in line], case["receipt_no"]
    assert set(kinds) == {"gu", "fire", "edu", "city"}
    assert kinds["gu"] > 0.7 * sum(kinds.values())


def test_addresses_lie_on_roads_of_their_district(data: Dataset) -> None:
    for case in _rows(data, "case"):
        words = case["location"].split()
        assert set(words) & set(_district(case["location"]).roads), case["location"]


def _in_working_hours(moment: datetime) -> bool:
    local = moment.astimezone(SEOUL)
    return is_working_day(local.date(), ()) and time(9) <= local.time() <= time(18)


def test_counters_take_cases_in_office_hours_and_online_applications_come_at_any_hour(data: Dataset) -> None:
    events = _rows(data, "event")
    counter = [event["occurred_at"] for event in events if event["type"] == "case_registered"]
    online = [event["occurred_at"] for event in events if event["type"] == "application_submitted"]
    assert all(_in_working_hours(moment) for moment in counter)
    assert any(not _in_working_hours(moment) for moment in online)
    weekdays = Counter(moment.astimezone(SEOUL).weekday() for moment in counter)
    # No day collects the weekend's receipts: Friday is an ordinary weekday.
    assert weekdays[4] < 1.2 * min(weekdays[day] for day in range(4))


def test_officers_enter_their_work_in_working_hours_and_mostly_at_once(data: Dataset) -> None:
    entries = [event for event in _rows(data, "event") if event["actor_officer_id"] is not None]
    assert all(_in_working_hours(event["recorded_at"]) for event in entries)
    lags = sorted(working_hours_between(event["occurred_at"], event["recorded_at"], ()) for event in entries)
    assert lags[len(lags) // 2] < 1
    late = sum(1 for lag in lags if lag >= 8)
    assert 0.005 < late / len(lags) < 0.1


def test_history_holds_returns_for_supplements_and_their_resumptions(data: Dataset) -> None:
    """Each return is resumed by the next of the two events, unless the case still waits on the applicant; the
    pause the resumption gives back is the working time between them."""
    by_case: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in sorted(_rows(data, "event"), key=lambda event: event["seq"]):
        if event["type"] in ("step_returned", "case_resumed"):
            by_case[event["case_id"]].append(event)
    waiting = {case["id"] for case in _rows(data, "case") if case["status"] == "awaiting_supplement"}
    for case_id, events in by_case.items():
        kinds = [event["type"] for event in events]
        expected = ["step_returned", "case_resumed"] * len(events)
        assert kinds == expected[: len(kinds)], case_id
        assert (kinds[-1] == "step_returned") == (case_id in waiting), case_id
        for returned, resumed in zip(events[::2], events[1::2], strict=False):
            paused = working_hours_between(returned["occurred_at"], resumed["occurred_at"], ())
            assert json.loads(resumed["payload"])["pausedWorkingHours"] == pytest.approx(paused, abs=0.01)
    returns = Counter(event["case_id"] for events in by_case.values() for event in events[::2])
    assert len(returns) > 0.05 * len(data.rows["case"])
    assert sum(1 for count in returns.values() if count >= 2) > 0
    assert len(returns) > len(waiting) > 0


def test_every_due_time_is_planned_from_the_receipt_and_moved_by_pauses(data: Dataset) -> None:
    """The rule live intake and `resume` follow: step n is due `standard days of steps 1..n` after the receipt, the
    case its statutory days after; each pause for supplements gives its working hours back to the due times of the
    returned step, the steps after it and the case."""
    days = {(row["task_type_id"], row["sequence"]): row["standard_days"] for row in _rows(data, "step_template")}
    statutory = {row["id"]: row["statutory_days"] for row in _rows(data, "task_type")}
    pauses: defaultdict[int, list[tuple[int, float]]] = defaultdict(list)
    returned_at: dict[int, tuple[int, datetime]] = {}
    steps = {row["id"]: row for row in _rows(data, "step")}
    for event in sorted(_rows(data, "event"), key=lambda event: event["seq"]):
        if event["type"] == "step_returned":
            returned_at[event["case_id"]] = (steps[event["step_id"]]["sequence"], event["occurred_at"])
        elif event["type"] == "case_resumed":
            sequence, at = returned_at[event["case_id"]]
            pauses[event["case_id"]].append((sequence, working_hours_between(at, event["occurred_at"], ())))
    by_case: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for step in steps.values():
        by_case[step["case_id"]].append(step)
    for case in _rows(data, "case"):
        task, received = case["task_type_id"], case["received_at"]
        case_due = due_at(received, statutory[task], ())
        for _, paused in pauses[case["id"]]:
            case_due = add_working_hours(case_due, paused, ())
        assert case["due_at"] == case_due, case["receipt_no"]
        planned = 0
        for step in sorted(by_case[case["id"]], key=lambda step: step["sequence"]):
            planned += days[(task, step["sequence"])]
            due = due_at(received, planned, ())
            for sequence, paused in pauses[case["id"]]:
                if step["sequence"] >= sequence:
                    due = add_working_hours(due, paused, ())
            assert step["due_at"] == due, (case["receipt_no"], step["sequence"])


def test_document_views_are_tallied_by_the_hour_they_happened(data: Dataset) -> None:
    """The hourly tally holds every view the documents count, each in an hour after the document was registered
    and before the data's "now": the view milestones (100,000th, 300,000th…) are dated by it."""
    documents = [row for row in _rows(data, "document") if row["view_count"]]
    tally = sorted((row["hour"], row["views"]) for row in _rows(data, "view_tally"))
    assert {row["metric"] for row in _rows(data, "view_tally")} == {"document_views"}
    assert sum(views for _, views in tally) == sum(row["view_count"] for row in documents) >= 300_000
    first_registered = min(row["registered_at"] for row in documents)
    assert first_registered.replace(minute=0, second=0) <= tally[0][0]
    assert tally[-1][0] <= AS_OF
    upto, reached = 0, dict[int, datetime]()
    for hour, views in tally:
        upto += views
        for threshold in (100_000, 300_000):
            if upto >= threshold:
                reached.setdefault(threshold, hour)
    assert reached[100_000] < reached[300_000] < AS_OF
