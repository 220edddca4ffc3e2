from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How much demo data to make. Departments: city + bureaus + divisions + teams + standalone units."""

    name: str
    filler_bureaus: int
    teams_per_division: tuple[int, ...]
    standalone_units: int
    officers: int
    cases: int
    span_days: int


SCALES = {
    # `make run`: loads in a few seconds.
    "demo": Scale(
        "demo",
        filler_bureaus=0,
        teams_per_division=(2, 2),
        standalone_units=0,
        officers=300,
        cases=2_000,
        span_days=540,
    ),
    # The original system's first-year size: 54 task types, 485 departments, 5,000 officers, 27,000 cases.
    "seoul": Scale(
        "seoul",
        filler_bureaus=13,
        teams_per_division=(4, 4, 4, 3),
        standalone_units=4,
        officers=5_000,
        cases=27_000,
        span_days=730,
    ),
}
