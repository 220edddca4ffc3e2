"""The demo data is deterministic, realistic in shape, and keeps applicants apart from everything public."""

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import pytest

from schema.time import SEOUL
from seed import people
from seed.generator import ROW_TYPES, Dataset, generate
from seed.scale import SCALES

AS_OF = datetime(2026, 11, 26, 15, tzinfo=SEOUL)


@pytest.fixture(scope="module")
def demo_data() -> Dataset:
    return generate(SCALES["demo"], AS_OF, set(), seed=3)


def test_same_seed_and_date_give_the_same_data(demo_data: Dataset) -> None:
    again = generate(SCALES["demo"], AS_OF, set(), seed=3)
    assert again.rows == demo_data.rows
    assert generate(SCALES["demo"], AS_OF, set(), seed=4).rows["case"] != demo_data.rows["case"]


def test_every_case_has_a_coherent_approval_line(demo_data: Dataset) -> None:
    columns = ROW_TYPES["step"]._fields
    lines: defaultdict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in demo_data.rows["step"]:
        lines[row[columns.index("case_id")]].append(row)
    status_of = {row[0]: row[ROW_TYPES["case"]._fields.index("status")] for row in demo_data.rows["case"]}

    for case_id, steps in lines.items():
        statuses = [step[columns.index("status")] for step in steps]
        assert 3 <= len(steps) <= 8
        open_steps = [s for s in statuses if s in ("in_progress", "returned")]
        if status_of[case_id] in ("in_progress", "awaiting_supplement"):
            assert len(open_steps) == 1
            first_open = statuses.index(open_steps[0])
            assert set(statuses[:first_open]) <= {"signed"}
            assert set(statuses[first_open + 1 :]) <= {"pending"}
        else:
            assert open_steps == []
        signed_at = [step[columns.index("signed_at")] for step in steps if step[columns.index("signed_at")]]
        assert signed_at == sorted(signed_at)
        assert all(moment <= AS_OF for moment in signed_at)


def test_the_mix_has_finished_late_open_and_returned_cases(demo_data: Dataset) -> None:
    columns = ROW_TYPES["case"]._fields
    statuses = Counter(row[columns.index("status")] for row in demo_data.rows["case"])
    late = sum(
        1 for row in demo_data.rows["case"] if (row[columns.index("closed_at")] or AS_OF) > row[columns.index("due_at")]
    )

    assert len(demo_data.rows["case"]) == SCALES["demo"].cases
    assert statuses["completed"] > statuses["in_progress"] > statuses["awaiting_supplement"] > 0
    assert statuses["rejected"] > 0
    assert statuses["withdrawn"] > 0
    assert 0.03 < late / len(demo_data.rows["case"]) < 0.4


def test_applicants_share_no_name_or_contact_form_with_officers(demo_data: Dataset) -> None:
    assert not set(people.OFFICER_GIVEN) & set(people.APPLICANT_GIVEN)
    officer_names = {row[2] for row in demo_data.rows["officer"]}
    applicant_names = {row[1] for row in demo_data.rows["applicant"]}
    assert not officer_names & applicant_names
    assert all(row[2].startswith("010-") for row in demo_data.rows["applicant"])
    assert all(row[5].endswith("@seoul.go.kr") for row in demo_data.rows["officer"])
