"""How Seoul-like the demo data is: the checks an official would make first, counted on the generated rows.

    make bench-demo-shape                       # seoul scale, 27,000 cases, in memory (about a minute)
    make bench-demo-shape ARGS="--scale demo"

Nothing is loaded into a database: the generator's rows are counted as they would be copied. Reports the units
by level and how many distinct names they have; counter receipts per weekday and outside office hours; officers'
entries on days off and at night, and their lag in working hours; addresses whose road is not in their district;
cases handled by a unit of another district; how many kinds of unit handle each task type; returns for
supplements and resumptions; and steps whose due time does not follow the one rule of live intake (planned from
the receipt).
"""

import argparse
import json
import time
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from resolvers.statutory_clock import HOURS_A_DAY, SEOUL, due_at, is_working_day, working_hours_between
from seed import seoul
from seed.generator import Dataset, generate
from seed.scale import SCALES

AS_OF = datetime(2026, 12, 1, 10, tzinfo=SEOUL)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _rows(data: Dataset, table: str) -> list[dict[str, Any]]:
    return [row._asdict() for row in data.rows[table]]


def _district_of(location: str) -> str | None:
    return next((word for word in location.split() if word in seoul.DISTRICT_NAMES), None)


def shape(data: Dataset) -> dict[str, Any]:
    units = {row["id"]: row for row in _rows(data, "department")}
    cases = _rows(data, "case")
    events = _rows(data, "event")
    report: dict[str, Any] = {
        "units": len(units),
        "units by level": dict(Counter(row["level"] for row in units.values())),
        "distinct unit names": len({row["name"] for row in units.values()}),
    }

    intake = [event for event in events if event["type"] == "case_registered"]
    counter_days = Counter(event["occurred_at"].astimezone(SEOUL).weekday() for event in intake)
    report["counter receipts per weekday"] = {WEEKDAYS[day]: counter_days[day] for day in range(7)}
    report["counter receipts outside 09-18 on working days"] = sum(
        1
        for event in intake
        if not is_working_day(event["occurred_at"].astimezone(SEOUL).date(), ())
        or not 9 <= event["occurred_at"].astimezone(SEOUL).hour < 18
    )

    entries = [event for event in events if event["actor_officer_id"] is not None]
    recorded = [event["recorded_at"].astimezone(SEOUL) for event in entries]
    report["officer entries"] = len(entries)
    report["entries on days off"] = sum(1 for moment in recorded if not is_working_day(moment.date(), ()))
    report["entries 00:00-08:00"] = sum(1 for moment in recorded if moment.hour < 8)
    # In working hours, as the daily input-delay check counts them.
    lags = sorted(working_hours_between(event["occurred_at"], event["recorded_at"], ()) for event in entries)
    report["entry lag, working hours, p50 / p95 / p99"] = [
        round(lags[len(lags) * share // 100], 2) for share in (50, 95, 99)
    ]
    report["entries a working day or more late"] = sum(1 for lag in lags if lag >= HOURS_A_DAY)

    roads = {district.name: set(district.roads) for district in seoul.DISTRICTS}
    report["addresses on a road of another district"] = sum(
        1
        for case in cases
        if (district := _district_of(case["location"])) and not set(case["location"].split()) & roads[district]
    )

    def office_of(unit_id: int) -> str | None:
        path = [units[int(part)] for part in units[unit_id]["path"].strip("/").split("/")]
        return next((unit["name"].removesuffix("청") for unit in path if unit["level"] == "district"), None)

    task_codes = {row["id"]: row["code"] for row in _rows(data, "task_type")}
    handlers: defaultdict[str, set[str]] = defaultdict(set)
    for case in cases:
        handlers[task_codes[case["task_type_id"]]].add(units[case["department_id"]]["name"])
    report["task types handled by more than one kind of unit"] = sum(1 for names in handlers.values() if len(names) > 1)
    report["cases at a district office"] = sum(1 for case in cases if office_of(case["department_id"]))
    report["cases at another district's office"] = sum(
        1 for case in cases if (office := office_of(case["department_id"])) and office != _district_of(case["location"])
    )

    returns = Counter(event["case_id"] for event in events if event["type"] == "step_returned")
    resumed = {event["case_id"] for event in events if event["type"] == "case_resumed"}
    report["cases returned for supplements"] = len(returns)
    report["cases returned twice or more"] = sum(1 for count in returns.values() if count >= 2)
    report["cases resumed"] = len(resumed)

    days = {(row["task_type_id"], row["sequence"]): row["standard_days"] for row in _rows(data, "step_template")}
    received = {case["id"]: (case["received_at"], case["task_type_id"]) for case in cases}
    cumulative: defaultdict[int, int] = defaultdict(int)
    off_rule = 0
    for step in _rows(data, "step"):
        at, task = received[step["case_id"]]
        cumulative[step["case_id"]] += days[(task, step["sequence"])]
        planned = due_at(at, cumulative[step["case_id"]], ())
        if step["case_id"] not in returns and step["due_at"] != planned:
            off_rule += 1
    report["steps of unreturned cases not due as planned from receipt"] = off_rule
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="seoul")
    parser.add_argument("--seed", type=int, default=1999)
    args = parser.parse_args()
    started = time.perf_counter()
    data = generate(SCALES[args.scale], AS_OF, (), seed=args.seed)
    print(f"generated {args.scale} in {time.perf_counter() - started:.1f} s, as of {AS_OF.isoformat()}")
    for name, value in shape(data).items():
        print(f"{name:>58}: {json.dumps(value, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
